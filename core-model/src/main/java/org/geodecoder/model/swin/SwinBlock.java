package org.geodecoder.model.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.geodecoder.model.nn.DropPath;
import org.geodecoder.model.nn.Mlp;

/**
 * One Swin transformer block on an {@code S×S} token grid (timm's {@code SwinTransformerBlock}):
 *
 * <pre>
 * x = x + DropPath(unroll(merge(W-MSA(partition(roll(LN(x), −shift))), +shift)))
 * x = x + DropPath(MLP(LN(x)))
 * </pre>
 *
 * Input and output {@code [B, S·S, C]}. With {@code shift > 0} the windows are cyclically
 * shifted and attention between tokens that were not neighbours before the shift is masked.
 */
public final class SwinBlock extends AbstractBlock {
  private static final byte VERSION = 1;

  private final int dim;
  private final int side;
  private final int window;
  private final int shift;
  private final float dropPath;
  private final float[] mask;
  private final LayerNorm norm1;
  private final WindowAttention attention;
  private final LayerNorm norm2;
  private final Mlp mlp;

  /**
   * @param dim token width C
   * @param heads attention heads
   * @param side grid side S (a multiple of window)
   * @param window window side w (≤ S)
   * @param shift cyclic shift, 0 or in (0, w)
   * @param mlpRatio hidden width of the MLP over C
   * @param dropPath stochastic depth rate of both residual branches
   */
  public SwinBlock(
      int dim, int heads, int side, int window, int shift, float mlpRatio, float dropPath) {
    super(VERSION);
    if (window > side || side % window != 0) {
      throw new IllegalArgumentException(
          "Window " + window + " must divide the grid side " + side);
    }
    if (shift < 0 || shift >= window || (shift > 0 && window == side)) {
      throw new IllegalArgumentException(
          "Shift " + shift + " must be 0, or in (0, " + window + ") when the window < side");
    }
    this.dim = dim;
    this.side = side;
    this.window = window;
    this.shift = shift;
    this.dropPath = dropPath;
    this.mask = shift > 0 ? WindowGeometry.shiftedWindowMask(side, window, shift) : null;
    norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).build());
    attention = addChildBlock("attention", new WindowAttention(dim, heads, window));
    norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).build());
    mlp = addChildBlock("mlp", new Mlp(dim, Math.round(dim * mlpRatio)));
  }

  public int shift() {
    return shift;
  }

  public int window() {
    return window;
  }

  public WindowAttention attention() {
    return attention;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow(); // [B, L, C], L = S·S
    long b = x.getShape().get(0);
    NDArray h = norm1.forward(ps, new NDList(x), training, params).head(); // [B, L, C]
    h = h.reshape(b, side, side, dim); // [B, S, S, C]
    h = WindowGeometry.roll(h, -shift); // [B, S, S, C]
    NDArray windows = WindowGeometry.partition(h, window); // [B·nW, w², C]
    NDList attentionInputs = new NDList(windows);
    if (mask != null) {
      long n = (long) window * window;
      long nw = mask.length / (n * n);
      attentionInputs.add(
          x.getManager().create(mask, new Shape(nw, n, n)).toDevice(x.getDevice(), false));
    }
    windows = attention.forward(ps, attentionInputs, training, params).head(); // [B·nW, w², C]
    h = WindowGeometry.reverse(windows, window, side); // [B, S, S, C]
    h = WindowGeometry.roll(h, shift); // [B, S, S, C]
    h = h.reshape(b, (long) side * side, dim); // [B, L, C]
    x = x.add(DropPath.apply(h, dropPath, training, params)); // [B, L, C]
    NDArray m = norm2.forward(ps, new NDList(x), training, params).head(); // [B, L, C]
    m = mlp.forward(ps, new NDList(m), training, params).head(); // [B, L, C]
    return new NDList(x.add(DropPath.apply(m, dropPath, training, params)));
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape in = inputShapes[0];
    norm1.initialize(manager, dataType, in);
    attention.initialize(manager, dataType, new Shape(1, (long) window * window, dim));
    norm2.initialize(manager, dataType, in);
    mlp.initialize(manager, dataType, in);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    if (inputShapes.length != 1) {
      throw new IllegalArgumentException(
          "SwinBlock expects 1 input [B, L, C], got " + inputShapes.length);
    }
    return new Shape[] {inputShapes[0]};
  }
}
