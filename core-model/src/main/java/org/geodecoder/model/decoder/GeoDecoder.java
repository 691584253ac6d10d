package org.geodecoder.model.decoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.geodecoder.model.nn.Autocast;

/**
 * The GeoDecoder (Clark et al., CVPR 2023): learned geographic queries {@code GQ ∈ R^{H×S×D}}
 * refined by L decoder layers that attend to the image tokens; the last E layers are hierarchy
 * dependent (see {@link DecoderLayer}). A final LayerNorm follows the last layer.
 *
 * <p>Input: image tokens {@code [B, N, C]}; when C ≠ D a linear {@code memoryProjection} maps them
 * to D. Output: refined queries {@code [B, Q, D]}, Q = H·S, hierarchy-major.
 */
public final class GeoDecoder extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int hierarchies;
  private final int scenes;
  private final int dim;
  private final Parameter queries;
  private final Linear memoryProjection;
  private final List<DecoderLayer> layers;
  private final LayerNorm norm;

  /**
   * @param config decoder architecture
   * @param hierarchies H
   * @param tokenDim C, the width of the encoder's tokens
   */
  public GeoDecoder(DecoderConfig config, int hierarchies, int tokenDim) {
    super(VERSION);
    this.hierarchies = hierarchies;
    this.scenes = config.scenes();
    this.dim = config.resolvedDim(tokenDim);
    if (dim % config.heads() != 0) {
      throw new IllegalArgumentException(
          "Decoder width " + dim + " is not divisible by heads " + config.heads());
    }
    queries =
        addParameter(
            Parameter.builder()
                .setName("queries")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(hierarchies, scenes, dim))
                .build());
    memoryProjection =
        dim == tokenDim
            ? null
            : addChildBlock("memoryProjection", Linear.builder().setUnits(dim).build());
    List<DecoderLayer> list = new ArrayList<>();
    for (int l = 0; l < config.layers(); l++) {
      boolean hierarchical = l >= config.layers() - config.hierarchyLayers();
      list.add(
          addChildBlock(
              "layer" + l,
              new DecoderLayer(
                  dim, config.heads(), config.mlpRatio(), hierarchies, scenes, hierarchical)));
    }
    layers = Collections.unmodifiableList(list);
    norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
  }

  public int dim() {
    return dim;
  }

  public List<DecoderLayer> layers() {
    return layers;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray tokens = memory(ps, inputs.singletonOrThrow(), training, params); // [B, N, D]
    NDArray q = initialQueries(ps, tokens, training); // [B, Q, D]
    for (DecoderLayer layer : layers) {
      q = layer.forward(ps, new NDList(q, tokens), training, params).head(); // [B, Q, D]
    }
    return norm.forward(ps, new NDList(q), training, params); // [B, Q, D]
  }

  /**
   * Cross-attention weights of the last layer, averaged over heads: {@code [B, Q, N]} (inference
   * mode). Row {@code h·S + s} is what query (h, s) looks at, as in the paper's Fig. 5.
   */
  public NDArray lastLayerAttention(
      ParameterStore ps, NDArray imageTokens, PairList<String, Object> params) {
    NDArray tokens = memory(ps, imageTokens, false, params); // [B, N, D]
    NDArray q = initialQueries(ps, tokens, false); // [B, Q, D]
    for (int l = 0; l < layers.size() - 1; l++) {
      q = layers.get(l).forward(ps, new NDList(q, tokens), false, params).head(); // [B, Q, D]
    }
    NDArray w = layers.get(layers.size() - 1).crossAttentionWeights(ps, q, tokens, params); // [B, h, Q, N]
    return w.mean(new int[] {1}); // [B, Q, N]
  }

  private NDArray memory(
      ParameterStore ps, NDArray tokens, boolean training, PairList<String, Object> params) {
    if (memoryProjection == null) {
      return tokens; // [B, N, D]
    }
    NDArray projected =
        memoryProjection.forward(ps, new NDList(Autocast.compute(ps, tokens)), training, params).head(); // [B, N, D]
    return Autocast.float32(projected); // LayerNorm'd by every layer
  }

  private NDArray initialQueries(ParameterStore ps, NDArray like, boolean training) {
    long b = like.getShape().get(0);
    long q = (long) hierarchies * scenes;
    NDArray gq = ps.getValue(queries, like.getDevice(), training); // [H, S, D]
    NDArray expanded = gq.reshape(1, q, dim).broadcast(b, q, dim); // [B, Q, D]
    expanded.attach(like.getManager()); // an activation, not a parameter
    return expanded;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape tokens = inputShapes[0];
    if (memoryProjection != null) {
      memoryProjection.initialize(manager, dataType, tokens);
    }
    Shape memory = new Shape(tokens.get(0), tokens.get(1), dim);
    Shape q = new Shape(tokens.get(0), (long) hierarchies * scenes, dim);
    for (DecoderLayer layer : layers) {
      layer.initialize(manager, dataType, q, memory);
    }
    norm.initialize(manager, dataType, q);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1 || inputShapes[0].dimension() != 3) {
      throw new IllegalArgumentException("GeoDecoder expects 1 input (tokens [B, N, C])");
    }
    return new Shape[] {new Shape(inputShapes[0].get(0), (long) hierarchies * scenes, dim)};
  }
}
