package org.geodecoder.model.swin;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One Swin stage, in timm's current layout: an optional {@link PatchMerging} at the start
 * (stages ≥ 1), then {@code depth} blocks alternating regular and shifted windows. Input
 * {@code [B, Sin², Cin]}, output {@code [B, S², C]} with {@code S = Sin/2, C = 2·Cin} when
 * downsampling.
 */
public final class SwinStage extends AbstractBlock {
  private static final byte VERSION = 1;

  private final PatchMerging downsample;
  private final List<SwinBlock> blocks;
  private final int side;
  private final int dim;

  /**
   * @param config the encoder
   * @param stage 0-based stage index
   * @param dropPathRates rate of each block of this stage
   */
  public SwinStage(SwinConfig config, int stage, float[] dropPathRates) {
    super(VERSION);
    this.side = config.stageResolution(stage);
    this.dim = config.stageDim(stage);
    downsample =
        stage == 0
            ? null
            : addChildBlock(
                "downsample",
                new PatchMerging(config.stageDim(stage - 1), config.stageResolution(stage - 1)));
    int window = config.stageWindow(stage);
    int shift = config.stageShifts(stage) ? window / 2 : 0;
    List<SwinBlock> list = new ArrayList<>();
    for (int i = 0; i < config.depth(stage); i++) {
      list.add(
          addChildBlock(
              "block" + i,
              new SwinBlock(
                  dim,
                  config.heads(stage),
                  side,
                  window,
                  i % 2 == 1 ? shift : 0,
                  config.mlpRatio(),
                  dropPathRates[i])));
    }
    blocks = Collections.unmodifiableList(list);
  }

  public List<SwinBlock> blocks() {
    return blocks;
  }

  public PatchMerging downsample() {
    return downsample;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList x = inputs; // [B, Sin², Cin]
    if (downsample != null) {
      x = downsample.forward(ps, x, training, params); // [B, S², C]
    }
    for (SwinBlock block : blocks) {
      x = block.forward(ps, x, training, params); // [B, S², C]
    }
    return x;
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    if (downsample != null) {
      downsample.initialize(manager, dataType, in);
      in = downsample.getOutputShapes(new Shape[] {in})[0];
    }
    for (SwinBlock block : blocks) {
      block.initialize(manager, dataType, in);
    }
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException(
          "SwinStage expects 1 input [B, L, C], got " + inputShapes.length);
    }
    return new Shape[] {new Shape(inputShapes[0].get(0), (long) side * side, dim)};
  }
}
