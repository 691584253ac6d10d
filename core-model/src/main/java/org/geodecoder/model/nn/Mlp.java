package org.geodecoder.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Transformer feed-forward network: {@code fc2(GELU(fc1(x)))} on the last axis. Input {@code [...,
 * D]}, hidden width {@code H}, output {@code [..., D]}. timm's {@code Mlp}.
 */
public final class Mlp extends AbstractBlock {
  private static final byte VERSION = 1;

  private final Linear fc1;
  private final Linear fc2;

  /**
   * @param dim input and output width D
   * @param hidden hidden width
   */
  public Mlp(int dim, int hidden) {
    super(VERSION);
    if (dim <= 0 || hidden <= 0) {
      throw new IllegalArgumentException("Mlp widths must be > 0, got " + dim + ", " + hidden);
    }
    fc1 = addChildBlock("fc1", Linear.builder().setUnits(hidden).build());
    fc2 = addChildBlock("fc2", Linear.builder().setUnits(dim).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = Autocast.compute(ps, inputs.singletonOrThrow()); // [..., D]
    NDArray h = fc1.forward(ps, new NDList(x), training, params).singletonOrThrow(); // [..., hidden]
    h = Activation.gelu(h);
    return fc2.forward(ps, new NDList(h), training, params); // [..., D]
  }

  @Override
  protected void initializeChildBlocks(
      ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
    fc1.initialize(manager, dataType, inputShapes[0]);
    fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {inputShapes[0]})[0]);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException("Mlp expects 1 input [..., D], got " + inputShapes.length);
    }
    return new Shape[] {inputShapes[0]};
  }
}
