package org.geodecoder.model.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.nn.Autocast;
import org.geodecoder.model.nn.Scale;

/**
 * Multi-head self-attention inside windows with a learned relative position bias (Swin's
 * W-MSA / SW-MSA). timm's {@code WindowAttention}, with the fused {@code qkv} projection split
 * into {@code query}, {@code key}, {@code value}.
 *
 * <p>Letters: W windows in the batch (B·nW), N = w² tokens per window, C width, h heads, d = C/h.
 *
 * <ul>
 *   <li>1 input: windows {@code [W, N, C]} → {@code [W, N, C]};
 *   <li>2 inputs: windows and an additive mask {@code [nW, N, N]} (W a multiple of nW, windows
 *       of one image consecutive, as {@link WindowGeometry#partition} lays them out).
 * </ul>
 *
 * <p>DJL's ScaledDotProductAttentionBlock takes no additive bias, hence this block.
 */
@SuppressWarnings("PMD.ShortVariable") // q, k, v, h, d are the paper's names
public final class WindowAttention extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int dim;
  private final int heads;
  private final int window;
  private final long[] relativeIndex;
  private final Linear query;
  private final Linear key;
  private final Linear value;
  private final Linear projection;
  private final Parameter relativePositionBiasTable;

  /**
   * @param dim token width C
   * @param heads number of heads h (divides C)
   * @param window window side w
   */
  public WindowAttention(int dim, int heads, int window) {
    super(VERSION);
    if (dim % heads != 0) {
      throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
    }
    this.dim = dim;
    this.heads = heads;
    this.window = window;
    this.relativeIndex = WindowGeometry.relativePositionIndex(window);
    query = addChildBlock("query", Linear.builder().setUnits(dim).build());
    key = addChildBlock("key", Linear.builder().setUnits(dim).build());
    value = addChildBlock("value", Linear.builder().setUnits(dim).build());
    projection = addChildBlock("projection", Linear.builder().setUnits(dim).build());
    int span = 2 * window - 1;
    relativePositionBiasTable =
        addParameter(
            Parameter.builder()
                .setName("relativePositionBiasTable")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape((long) span * span, heads))
                .build());
  }

  public int heads() {
    return heads;
  }

  public int window() {
    return window;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.get(0); // [W, N, C]
    long w = x.getShape().get(0);
    long n = x.getShape().get(1);
    long d = dim / heads;
    NDArray xc = Autocast.compute(ps, x); // [W, N, C] in the compute type
    NDArray q = splitHeads(query.forward(ps, new NDList(xc), training, params).head(), d); // [W, h, N, d]
    NDArray k = splitHeads(key.forward(ps, new NDList(xc), training, params).head(), d); // [W, h, N, d]
    NDArray v = splitHeads(value.forward(ps, new NDList(xc), training, params).head(), d); // [W, h, N, d]
    NDArray scores = Scale.times(q, 1.0 / Math.sqrt(d)).matMul(k.transpose(0, 1, 3, 2)); // [W, h, N, N]
    scores = scores.add(relativeBias(ps, x, training)); // [W, h, N, N]
    if (inputs.size() == 2) {
      NDArray mask = inputs.get(1); // [nW, N, N]
      long nw = mask.getShape().get(0);
      scores = scores.reshape(w / nw, nw, heads, n, n); // [B, nW, h, N, N]
      scores = scores.add(mask.reshape(1, nw, 1, n, n)); // [B, nW, h, N, N]
      scores = scores.reshape(w, heads, n, n); // [W, h, N, N]
    }
    NDArray attention = Autocast.float32(scores).softmax(-1); // [W, h, N, N]
    NDArray out = Autocast.compute(ps, attention).matMul(v); // [W, h, N, d]
    out = out.transpose(0, 2, 1, 3).reshape(w, n, dim); // [W, N, C]
    return projection.forward(ps, new NDList(out), training, params);
  }

  /** The bias of every head for every token pair: {@code [h, N, N]}. */
  NDArray relativeBias(ParameterStore ps, NDArray like, boolean training) {
    NDArray table = ps.getValue(relativePositionBiasTable, like.getDevice(), training); // [(2w-1)², h]
    NDArray index = like.getManager().create(relativeIndex).toDevice(like.getDevice(), false); // [N·N]
    int n = window * window;
    NDArray bias = table.get(index); // [N·N, h]
    bias.attach(like.getManager()); // freed with the activations, not with the parameters
    return bias.reshape(n, n, heads).transpose(2, 0, 1); // [h, N, N]
  }

  private NDArray splitHeads(NDArray x, long d) {
    long w = x.getShape().get(0);
    long n = x.getShape().get(1);
    return x.reshape(w, n, heads, d).transpose(0, 2, 1, 3); // [W, h, N, d]
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    query.initialize(manager, dataType, in);
    key.initialize(manager, dataType, in);
    value.initialize(manager, dataType, in);
    projection.initialize(manager, dataType, in);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length < 1 || inputShapes.length > 2) {
      throw new IllegalArgumentException(
          "WindowAttention expects 1 or 2 inputs ([W, N, C], mask [nW, N, N]), got "
              + inputShapes.length);
    }
    return new Shape[] {inputShapes[0]};
  }
}
