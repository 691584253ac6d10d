package org.geodecoder.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.nn.Autocast;
import org.geodecoder.model.nn.Scale;

/**
 * Multi-head scaled dot-product attention of queries over a memory, with an optional additive
 * mask, which can also return its attention weights (for the attention-map export).
 *
 * <p>Letters: B batch, Q queries, N memory tokens, D width, h heads, d = D/h.
 *
 * <ul>
 *   <li>2 inputs: queries {@code [B, Q, D]}, memory {@code [B, N, D]} → {@code [B, Q, D]};
 *   <li>3 inputs: plus an additive mask {@code [Q, N]} (0 = attend, large negative = do not).
 * </ul>
 *
 * Self-attention passes the same array as queries and memory.
 */
public final class MultiHeadAttention extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int dim;
  private final int heads;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear output;

  public MultiHeadAttention(int dim, int heads) {
    super(VERSION);
    if (dim % heads != 0) {
      throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
    }
    this.dim = dim;
    this.heads = heads;
    query = addChildBlock("query", Linear.builder().setUnits(dim).build());
    key = addChildBlock("key", Linear.builder().setUnits(dim).build());
    value = addChildBlock("value", Linear.builder().setUnits(dim).build());
    output = addChildBlock("output", Linear.builder().setUnits(dim).build());
  }

  public int heads() {
    return heads;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    checkInputCount(inputs.size());
    NDArray queries = inputs.get(0); // [B, Q, D]
    NDArray memory = inputs.get(1); // [B, N, D]
    NDArray mask = inputs.size() == 3 ? inputs.get(2) : null; // [Q, N]
    NDArray attention = weights(ps, queries, memory, mask, training, params); // [B, h, Q, N]
    NDArray v = splitHeads(value.forward(ps, new NDList(Autocast.compute(ps, memory)), training, params).head()); // [B, h, N, d]
    long b = queries.getShape().get(0);
    long q = queries.getShape().get(1);
    NDArray out = Autocast.compute(ps, attention).matMul(v).transpose(0, 2, 1, 3).reshape(b, q, dim); // [B, Q, D]
    return output.forward(ps, new NDList(out), training, params);
  }

  /**
   * The attention weights (softmax over the memory) of every head: {@code [B, h, Q, N]}.
   *
   * @param mask additive {@code [Q, N]}, or null
   */
  public NDArray weights(
      ParameterStore ps,
      NDArray queries,
      NDArray memory,
      NDArray mask,
      boolean training,
      PairList<String, Object> params) {
    NDArray q = splitHeads(query.forward(ps, new NDList(Autocast.compute(ps, queries)), training, params).head()); // [B, h, Q, d]
    NDArray k = splitHeads(key.forward(ps, new NDList(Autocast.compute(ps, memory)), training, params).head()); // [B, h, N, d]
    NDArray scaled = Scale.times(q, 1.0 / Math.sqrt((double) dim / heads)); // [B, h, Q, d]
    NDArray scores = scaled.matMul(k.transpose(0, 1, 3, 2)); // [B, h, Q, N]
    if (mask != null) {
      scores = scores.add(mask); // [B, h, Q, N]
    }
    return Autocast.float32(scores).softmax(-1); // [B, h, Q, N], fp32
  }

  private NDArray splitHeads(NDArray x) {
    long b = x.getShape().get(0);
    long n = x.getShape().get(1);
    return x.reshape(b, n, heads, dim / heads).transpose(0, 2, 1, 3); // [B, h, n, d]
  }

  private static void checkInputCount(int n) {
    if (n < 2 || n > 3) {
      throw new IllegalArgumentException(
          "MultiHeadAttention expects 2 or 3 inputs (queries, memory[, mask]), got " + n);
    }
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    query.initialize(manager, dataType, inputShapes[0]);
    key.initialize(manager, dataType, inputShapes[1]);
    value.initialize(manager, dataType, inputShapes[1]);
    output.initialize(manager, dataType, new Shape(inputShapes[0].get(0), inputShapes[0].get(1), dim));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    checkInputCount(inputShapes.length);
    return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1), dim)};
  }
}
