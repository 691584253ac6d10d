package org.geodecoder.model.swin;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;

/**
 * Index arithmetic of Swin's windows, as timm computes it: window partition and its inverse,
 * the cyclic shift, the relative position index and the shifted-window attention mask.
 *
 * <p>Token grids are {@code [B, Hs, Ws, C]} (Hs, Ws = grid side), windows {@code [B·nW, w², C]}
 * with {@code nW = (Hs/w)·(Ws/w)} windows per image in row-major window order.
 */
public final class WindowGeometry {
  /** Additive attention bias between tokens of different regions of a shifted window (timm). */
  public static final float MASK_VALUE = -100f;

  private WindowGeometry() {}

  /**
   * For each pair (i, j) of tokens of a {@code window×window} window, the row of the relative
   * position bias table: {@code (Δh + w − 1)·(2w − 1) + (Δw + w − 1)}; length w⁴, row-major in
   * (i, j).
   */
  public static long[] relativePositionIndex(int window) {
    int n = window * window;
    int span = 2 * window - 1;
    long[] index = new long[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int dh = i / window - j / window + window - 1;
        int dw = i % window - j % window + window - 1;
        index[i * n + j] = (long) dh * span + dw;
      }
    }
    return index;
  }

  /**
   * The attention mask of a shifted-window block on a {@code side×side} grid: {@code [nW, w², w²]}
   * row-major, 0 where both tokens come from the same region of the rolled grid, {@link
   * #MASK_VALUE} otherwise.
   */
  public static float[] shiftedWindowMask(int side, int window, int shift) {
    int[] region = new int[side * side];
    int[] bounds = {0, side - window, side - shift, side};
    int label = 0;
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        for (int h = bounds[a]; h < bounds[a + 1]; h++) {
          for (int w = bounds[b]; w < bounds[b + 1]; w++) {
            region[h * side + w] = label;
          }
        }
        label++;
      }
    }
    int perSide = side / window;
    int n = window * window;
    float[] mask = new float[perSide * perSide * n * n];
    for (int wh = 0; wh < perSide; wh++) {
      for (int ww = 0; ww < perSide; ww++) {
        int k = wh * perSide + ww;
        for (int i = 0; i < n; i++) {
          int ri = region[(wh * window + i / window) * side + ww * window + i % window];
          for (int j = 0; j < n; j++) {
            int rj = region[(wh * window + j / window) * side + ww * window + j % window];
            mask[(k * n + i) * n + j] = ri == rj ? 0f : MASK_VALUE;
          }
        }
      }
    }
    return mask;
  }

  /** {@code [B, Hs, Ws, C]} → {@code [B·nW, w², C]}. */
  public static NDArray partition(NDArray grid, int window) {
    long b = grid.getShape().get(0);
    long hs = grid.getShape().get(1);
    long ws = grid.getShape().get(2);
    long c = grid.getShape().get(3);
    NDArray x = grid.reshape(b, hs / window, window, ws / window, window, c); // [B, Hs/w, w, Ws/w, w, C]
    x = x.transpose(0, 1, 3, 2, 4, 5); // [B, Hs/w, Ws/w, w, w, C]
    return x.reshape(b * (hs / window) * (ws / window), (long) window * window, c); // [B·nW, w², C]
  }

  /** {@code [B·nW, w², C]} → {@code [B, Hs, Ws, C]}, the inverse of {@link #partition}. */
  public static NDArray reverse(NDArray windows, int window, int side) {
    long c = windows.getShape().get(2);
    long perSide = side / window;
    long b = windows.getShape().get(0) / (perSide * perSide);
    NDArray x = windows.reshape(b, perSide, perSide, window, window, c); // [B, Hs/w, Ws/w, w, w, C]
    x = x.transpose(0, 1, 3, 2, 4, 5); // [B, Hs/w, w, Ws/w, w, C]
    return x.reshape(b, side, side, c); // [B, Hs, Ws, C]
  }

  /**
   * torch.roll of a grid {@code [B, Hs, Ws, C]} by {@code shift} on axes 1 and 2: element
   * {@code (h, w)} of the result is element {@code (h − shift, w − shift)} (mod side) of the
   * input. DJL has no roll; each axis is two slices and a concat.
   */
  public static NDArray roll(NDArray grid, int shift) {
    long side = grid.getShape().get(1);
    int s = (int) Math.floorMod(shift, side);
    if (s == 0) {
      return grid;
    }
    long cut = side - s;
    NDArray rows =
        NDArrays.concat(
            new NDList(grid.get(":, " + cut + ":"), grid.get(":, :" + cut)), 1); // [B, Hs, Ws, C]
    return NDArrays.concat(
        new NDList(rows.get(":, :, " + cut + ":"), rows.get(":, :, :" + cut)), 2); // [B, Hs, Ws, C]
  }
}
