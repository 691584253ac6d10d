package org.geodecoder.model.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.nn.Autocast;

/**
 * Halves the token grid and doubles the width: each 2×2 group of tokens is concatenated (order
 * (0,0), (1,0), (0,1), (1,1) in (row, column) offsets, timm's order) to 4C, normalised and
 * projected to 2C without bias. Input {@code [B, S·S, C]}, output {@code [B, (S/2)², 2C]}.
 */
public final class PatchMerging extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int dim;
  private final int side;
  private final LayerNorm norm;
  private final Linear reduction;

  /**
   * @param dim input width C
   * @param side input grid side S (even)
   */
  public PatchMerging(int dim, int side) {
    super(VERSION);
    if (side % 2 != 0) {
      throw new IllegalArgumentException("PatchMerging needs an even grid side, got " + side);
    }
    this.dim = dim;
    this.side = side;
    norm = addChildBlock("norm", LayerNorm.builder().axis(2).build());
    reduction =
        addChildBlock("reduction", Linear.builder().setUnits(2L * dim).optBias(false).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // [B, S·S, C]
    long b = x.getShape().get(0);
    int half = side / 2;
    x = x.reshape(b, half, 2, half, 2, dim); // [B, S/2, dh, S/2, dw, C]
    x = x.transpose(0, 1, 3, 4, 2, 5); // [B, S/2, S/2, dw, dh, C]
    x = x.reshape(b, (long) half * half, 4L * dim); // [B, (S/2)², 4C]
    x = norm.forward(ps, new NDList(x), training, params).head(); // [B, (S/2)², 4C]
    x = reduction.forward(ps, new NDList(Autocast.compute(ps, x)), training, params).head(); // [B, (S/2)², 2C]
    return new NDList(Autocast.float32(x)); // the next stage's residual stream stays fp32
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape merged = new Shape(inputShapes[0].get(0), (long) (side / 2) * (side / 2), 4L * dim);
    norm.initialize(manager, dataType, merged);
    reduction.initialize(manager, dataType, merged);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException(
          "PatchMerging expects 1 input [B, S·S, C], got " + inputShapes.length);
    }
    return new Shape[] {
      new Shape(inputShapes[0].get(0), (long) (side / 2) * (side / 2), 2L * dim)
    };
  }
}
