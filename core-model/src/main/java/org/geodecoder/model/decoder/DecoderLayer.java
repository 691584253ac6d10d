package org.geodecoder.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.geodecoder.model.nn.Mlp;

/**
 * One GeoDecoder layer, pre-LayerNorm with residuals (paper, eq. 1–3):
 *
 * <pre>
 * y  = MSA(LN(GQ)) + GQ
 * y' = CrossAttention(LN(y), LN(X)) + y
 * GQ' = FFN(LN(y')) + y'
 * </pre>
 *
 * Queries are ordered hierarchy-major: query {@code h·S + s} is (hierarchy h, scene s). A
 * <em>hierarchy-dependent</em> layer restricts self-attention to the S queries of the same
 * hierarchy (an additive mask) and has a separate FFN per hierarchy.
 *
 * <p>Inputs: queries {@code [B, Q, D]} (Q = H·S) and image tokens {@code [B, N, D]}; output
 * {@code [B, Q, D]}.
 */
public final class DecoderLayer extends AbstractBlock {
  private static final byte VERSION = 1;
  /** Additive self-attention mask between hierarchies; softmax turns it into an exact 0. */
  static final float BLOCKED = -1e9f;

  private final int dim;
  private final int hierarchies;
  private final int scenes;
  private final float[] selfMask;
  private final LayerNorm selfNorm;
  private final MultiHeadAttention selfAttention;
  private final LayerNorm crossNorm;
  private final LayerNorm memoryNorm;
  private final MultiHeadAttention crossAttention;
  private final LayerNorm ffnNorm;
  private final List<Mlp> ffns;

  /**
   * @param hierarchical whether this is one of the last E, hierarchy-dependent layers
   */
  public DecoderLayer(
      int dim, int heads, float mlpRatio, int hierarchies, int scenes, boolean hierarchical) {
    super(VERSION);
    this.dim = dim;
    this.hierarchies = hierarchies;
    this.scenes = scenes;
    this.selfMask = hierarchical ? hierarchyMask(hierarchies, scenes) : null;
    int hidden = Math.round(dim * mlpRatio);
    selfNorm = addChildBlock("selfNorm", LayerNorm.builder().axis(2).build());
    selfAttention = addChildBlock("selfAttention", new MultiHeadAttention(dim, heads));
    crossNorm = addChildBlock("crossNorm", LayerNorm.builder().axis(2).build());
    memoryNorm = addChildBlock("memoryNorm", LayerNorm.builder().axis(2).build());
    crossAttention = addChildBlock("crossAttention", new MultiHeadAttention(dim, heads));
    ffnNorm = addChildBlock("ffnNorm", LayerNorm.builder().axis(2).build());
    List<Mlp> list = new ArrayList<>();
    if (hierarchical) {
      for (int h = 0; h < hierarchies; h++) {
        list.add(addChildBlock("ffn" + h, new Mlp(dim, hidden)));
      }
    } else {
      list.add(addChildBlock("ffn", new Mlp(dim, hidden)));
    }
    ffns = Collections.unmodifiableList(list);
  }

  /** {@code [Q, Q]} row-major: 0 within a hierarchy, {@link #BLOCKED} across. */
  static float[] hierarchyMask(int hierarchies, int scenes) {
    int q = hierarchies * scenes;
    float[] mask = new float[q * q];
    for (int i = 0; i < q; i++) {
      for (int j = 0; j < q; j++) {
        mask[i * q + j] = i / scenes == j / scenes ? 0f : BLOCKED;
      }
    }
    return mask;
  }

  public boolean isHierarchical() {
    return selfMask != null;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray y = afterSelfAttention(ps, inputs.get(0), training, params); // [B, Q, D]
    NDArray memory = memoryNorm.forward(ps, new NDList(inputs.get(1)), training, params).head(); // [B, N, D]
    NDArray normed = crossNorm.forward(ps, new NDList(y), training, params).head(); // [B, Q, D]
    y = y.add(crossAttention.forward(ps, new NDList(normed, memory), training, params).head()); // [B, Q, D]
    NDArray f = ffnNorm.forward(ps, new NDList(y), training, params).head(); // [B, Q, D]
    return new NDList(y.add(feedForward(ps, f, training, params))); // [B, Q, D]
  }

  /**
   * The cross-attention weights of this layer for the given inputs: {@code [B, h, Q, N]}.
   */
  public NDArray crossAttentionWeights(
      ParameterStore ps, NDArray queries, NDArray tokens, PairList<String, Object> params) {
    NDArray y = afterSelfAttention(ps, queries, false, params); // [B, Q, D]
    NDArray memory = memoryNorm.forward(ps, new NDList(tokens), false, params).head(); // [B, N, D]
    NDArray normed = crossNorm.forward(ps, new NDList(y), false, params).head(); // [B, Q, D]
    return crossAttention.weights(ps, normed, memory, null, false, params); // [B, h, Q, N]
  }

  private NDArray afterSelfAttention(
      ParameterStore ps, NDArray queries, boolean training, PairList<String, Object> params) {
    NDArray n = selfNorm.forward(ps, new NDList(queries), training, params).head(); // [B, Q, D]
    NDList in = new NDList(n, n);
    if (selfMask != null) {
      long q = (long) hierarchies * scenes;
      in.add(queries.getManager().create(selfMask, new Shape(q, q)).toDevice(queries.getDevice(), false));
    }
    return queries.add(selfAttention.forward(ps, in, training, params).head()); // [B, Q, D]
  }

  private NDArray feedForward(
      ParameterStore ps, NDArray x, boolean training, PairList<String, Object> params) {
    if (ffns.size() == 1) {
      return ffns.get(0).forward(ps, new NDList(x), training, params).head(); // [B, Q, D]
    }
    NDList parts = new NDList();
    for (int h = 0; h < hierarchies; h++) {
      NDArray slice = x.get(":, " + (h * scenes) + ":" + ((h + 1) * scenes)); // [B, S, D]
      parts.add(ffns.get(h).forward(ps, new NDList(slice), training, params).head()); // [B, S, D]
    }
    return NDArrays.concat(parts, 1); // [B, Q, D]
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape q = inputShapes[0];
    Shape memory = new Shape(inputShapes[1].get(0), inputShapes[1].get(1), dim);
    selfNorm.initialize(manager, dataType, q);
    selfAttention.initialize(manager, dataType, q, q);
    crossNorm.initialize(manager, dataType, q);
    memoryNorm.initialize(manager, dataType, memory);
    crossAttention.initialize(manager, dataType, q, memory);
    ffnNorm.initialize(manager, dataType, q);
    Shape ffnIn = ffns.size() == 1 ? q : new Shape(q.get(0), scenes, dim);
    for (Mlp ffn : ffns) {
      ffn.initialize(manager, dataType, ffnIn);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 2) {
      throw new IllegalArgumentException(
          "DecoderLayer expects 2 inputs (queries [B, Q, D], tokens [B, N, D]), got "
              + inputShapes.length);
    }
    return new Shape[] {inputShapes[0]};
  }
}
