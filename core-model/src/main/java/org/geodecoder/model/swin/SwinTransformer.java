package org.geodecoder.model.swin;

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

/**
 * Swin transformer encoder (Liu et al., "Swin Transformer: Hierarchical Vision Transformer using
 * Shifted Windows", ICCV 2021) without classification head: it returns the last stage's tokens
 * after the final LayerNorm, which is what the GeoDecoder attends to.
 *
 * <p>Input {@code [B, 3, I, I]} with I the configured image size; output {@code [B, T, C]} with
 * T = (I / patch / 2^(stages−1))² and C = embedDim·2^(stages−1); Swin-B at 224: {@code [B, 49,
 * 1024]}.
 */
public final class SwinTransformer extends AbstractBlock {
  private static final byte VERSION = 1;

  private final SwinConfig config;
  private final PatchEmbedding patchEmbedding;
  private final List<SwinStage> stages;
  private final LayerNorm norm;

  public SwinTransformer(SwinConfig config) {
    super(VERSION);
    this.config = config;
    patchEmbedding =
        addChildBlock("patchEmbedding", new PatchEmbedding(config.patchSize(), config.embedDim()));
    float[] rates = dropPathRates(config);
    List<SwinStage> list = new ArrayList<>();
    int offset = 0;
    for (int s = 0; s < config.stages(); s++) {
      float[] stageRates = new float[config.depth(s)];
      System.arraycopy(rates, offset, stageRates, 0, stageRates.length);
      offset += stageRates.length;
      list.add(addChildBlock("stage" + s, new SwinStage(config, s, stageRates)));
    }
    stages = Collections.unmodifiableList(list);
    norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
  }

  /** timm's stochastic depth schedule: linear from 0 to the rate over all blocks. */
  static float[] dropPathRates(SwinConfig config) {
    int total = 0;
    for (int d : config.depths()) {
      total += d;
    }
    float[] rates = new float[total];
    for (int i = 0; i < total; i++) {
      rates[i] = total == 1 ? 0f : config.dropPathRate() * i / (total - 1);
    }
    return rates;
  }

  public SwinConfig config() {
    return config;
  }

  public List<SwinStage> stages() {
    return stages;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = patchEmbedding.forward(ps, inputs, training, params); // [B, (I/p)², C0]
    for (SwinStage stage : stages) {
      x = stage.forward(ps, x, training, params); // [B, S², Cs]
    }
    return norm.forward(ps, x, training, params); // [B, T, C]
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    patchEmbedding.initialize(manager, dataType, inputShapes[0]);
    Shape x = patchEmbedding.getOutputShapes(inputShapes)[0];
    for (SwinStage stage : stages) {
      stage.initialize(manager, dataType, x);
      x = stage.getOutputShapes(new Shape[] {x})[0];
    }
    norm.initialize(manager, dataType, x);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1 || inputShapes[0].dimension() != 4) {
      throw new IllegalArgumentException("SwinTransformer expects 1 input [B, 3, H, W]");
    }
    Shape in = inputShapes[0];
    if (in.get(1) != config.inChannels()
        || in.get(2) != config.imageSize()
        || in.get(3) != config.imageSize()) {
      throw new IllegalArgumentException(
          String.format(
              "%s expects images [B, %d, %d, %d], got %s",
              config.name(), config.inChannels(), config.imageSize(), config.imageSize(), in));
    }
    return new Shape[] {new Shape(in.get(0), config.outputTokens(), config.outputDim())};
  }
}
