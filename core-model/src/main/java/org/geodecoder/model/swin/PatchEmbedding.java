package org.geodecoder.model.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.nn.Autocast;

/**
 * Non-overlapping p×p patches to tokens: a stride-p convolution, then LayerNorm. Input {@code [B,
 * 3, H, W]}, output {@code [B, (H/p)·(W/p), C]} in row-major patch order.
 */
public final class PatchEmbedding extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int patch;
  private final int dim;
  private final Conv2d projection;
  private final LayerNorm norm;

  public PatchEmbedding(int patch, int dim) {
    super(VERSION);
    this.patch = patch;
    this.dim = dim;
    projection =
        addChildBlock(
            "projection",
            Conv2d.builder()
                .setKernelShape(new Shape(patch, patch))
                .optStride(new Shape(patch, patch))
                .setFilters(dim)
                .build());
    norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = Autocast.compute(ps, inputs.singletonOrThrow()); // [B, 3, H, W]
    NDArray y = projection.forward(ps, new NDList(x), training, params).head(); // [B, C, H/p, W/p]
    long b = y.getShape().get(0);
    long tokens = y.getShape().get(2) * y.getShape().get(3);
    y = y.reshape(b, dim, tokens).transpose(0, 2, 1); // [B, N, C]
    return norm.forward(ps, new NDList(Autocast.float32(y)), training, params); // [B, N, C]
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    projection.initialize(manager, dataType, inputShapes[0]);
    norm.initialize(manager, dataType, getOutputShapes(inputShapes)[0]);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1 || inputShapes[0].dimension() != 4) {
      throw new IllegalArgumentException("PatchEmbedding expects 1 input [B, 3, H, W]");
    }
    Shape in = inputShapes[0];
    return new Shape[] {new Shape(in.get(0), (in.get(2) / patch) * (in.get(3) / patch), dim)};
  }
}
