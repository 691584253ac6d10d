package org.geodecoder.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.decoder.GeoDecoder;
import org.geodecoder.model.decoder.GeoHeads;
import org.geodecoder.model.swin.SwinTransformer;

/**
 * The whole network: Swin encoder → GeoDecoder → heads.
 *
 * <p>Input: images {@code [B, 3, I, I]} (normalised). Output: {@code NDList(sceneLogits [B, S],
 * logits_0 [B, S, K_0], …, logits_{H−1} [B, S, K_{H−1}])}.
 */
public final class GeoLocalizer extends AbstractBlock {
  private static final byte VERSION = 1;

  private final ModelConfig config;
  private final SwinTransformer encoder;
  private final GeoDecoder decoder;
  private final GeoHeads heads;

  public GeoLocalizer(ModelConfig config) {
    super(VERSION);
    this.config = config;
    encoder = addChildBlock("encoder", new SwinTransformer(config.encoder()));
    decoder =
        addChildBlock(
            "decoder",
            new GeoDecoder(config.decoder(), config.hierarchies(), config.encoder().outputDim()));
    heads =
        addChildBlock("heads", new GeoHeads(config.hierarchy().classCounts(), config.scenes()));
  }

  public ModelConfig config() {
    return config;
  }

  public SwinTransformer encoder() {
    return encoder;
  }

  public GeoDecoder decoder() {
    return decoder;
  }

  public GeoHeads heads() {
    return heads;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList tokens = encoder.forward(ps, inputs, training, params); // [B, T, C]
    NDList queries = decoder.forward(ps, tokens, training, params); // [B, Q, D]
    return heads.forward(ps, queries, training, params); // [B, S], [B, S, K_h]…
  }

  /**
   * Cross-attention of every query over the image tokens in the last decoder layer, averaged
   * over heads: {@code [B, Q, T]} (inference mode).
   */
  public NDArray lastLayerAttention(ParameterStore ps, NDArray images) {
    NDArray tokens = encoder.forward(ps, new NDList(images), false, null).head(); // [B, T, C]
    return decoder.lastLayerAttention(ps, tokens, null); // [B, Q, T]
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    encoder.initialize(manager, dataType, inputShapes[0]);
    Shape tokens = encoder.getOutputShapes(inputShapes)[0];
    decoder.initialize(manager, dataType, tokens);
    heads.initialize(manager, dataType, decoder.getOutputShapes(new Shape[] {tokens})[0]);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException(
          "GeoLocalizer expects 1 input (images [B, 3, I, I]), got " + inputShapes.length);
    }
    Shape tokens = encoder.getOutputShapes(inputShapes)[0];
    Shape queries = decoder.getOutputShapes(new Shape[] {tokens})[0];
    return heads.getOutputShapes(new Shape[] {queries});
  }
}
