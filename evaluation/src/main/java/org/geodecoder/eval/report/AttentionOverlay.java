package org.geodecoder.eval.report;

import java.awt.Color;
import java.awt.image.BufferedImage;

/**
 * An attention map drawn over its image, as in the paper's Fig. 5: the {@code side×side} token
 * weights are upsampled to the image bilinearly (each token's weight sits at the centre of the
 * image patch it covers), scaled so that the map's largest weight is 1, coloured with a
 * sequential heat scale whose brightness grows with the weight (dark purple → orange → light
 * yellow) and blended over the image. Where the model looked is where the image is brightest.
 */
public final class AttentionOverlay {
  /** How much of the heat colour covers the image (the rest shows the image through it). */
  static final float OPACITY = 0.6f;

  // "inferno"-like anchors: brightness increases monotonically, readable in greyscale too.
  private static final Color[] HEAT = {
    new Color(0x000004), new Color(0x320a5e), new Color(0x781c6d), new Color(0xbb3754),
    new Color(0xed6925), new Color(0xfbb61a), new Color(0xfcffa4)
  };

  private AttentionOverlay() {}

  /**
   * The weights upsampled to {@code width×height}, row-major, scaled to [0, 1] by their maximum
   * (all zero when the map is all zero).
   *
   * @param weights {@code side×side}, row-major (row = image row)
   */
  public static float[] upsample(float[] weights, int side, int width, int height) {
    if (weights.length != side * side || side < 1) {
      throw new IllegalArgumentException("Expected " + side + "×" + side + " weights, got " + weights.length);
    }
    float max = 0;
    for (float w : weights) {
      max = Math.max(max, w);
    }
    float[] out = new float[width * height];
    if (max <= 0) {
      return out;
    }
    for (int y = 0; y < height; y++) {
      // Pixel centre in token coordinates, token centres at integer + 0.5.
      double ty = Math.max(0, Math.min(side - 1, (y + 0.5) * side / height - 0.5));
      int r0 = (int) Math.floor(ty);
      int r1 = Math.min(side - 1, r0 + 1);
      double fy = ty - r0;
      for (int x = 0; x < width; x++) {
        double tx = Math.max(0, Math.min(side - 1, (x + 0.5) * side / width - 0.5));
        int c0 = (int) Math.floor(tx);
        int c1 = Math.min(side - 1, c0 + 1);
        double fx = tx - c0;
        double top = weights[r0 * side + c0] * (1 - fx) + weights[r0 * side + c1] * fx;
        double bottom = weights[r1 * side + c0] * (1 - fx) + weights[r1 * side + c1] * fx;
        out[y * width + x] = (float) ((top * (1 - fy) + bottom * fy) / max);
      }
    }
    return out;
  }

  /** A copy of {@code image} with the heat map of {@code weights} blended over it. */
  public static BufferedImage overlay(BufferedImage image, float[] weights, int side) {
    int w = image.getWidth();
    int h = image.getHeight();
    float[] t = upsample(weights, side, w, h);
    BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        int rgb = image.getRGB(x, y);
        Color c = heat(t[y * w + x]);
        int r = blend((rgb >> 16) & 0xff, c.getRed());
        int g = blend((rgb >> 8) & 0xff, c.getGreen());
        int b = blend(rgb & 0xff, c.getBlue());
        out.setRGB(x, y, (r << 16) | (g << 8) | b);
      }
    }
    return out;
  }

  private static int blend(int image, int heat) {
    return Math.round(image * (1 - OPACITY) + heat * OPACITY);
  }

  /** Heat colour for t in [0, 1] (0 = dark, 1 = bright). */
  public static Color heat(double t) {
    double x = Math.max(0, Math.min(1, t)) * (HEAT.length - 1);
    int i = Math.min(HEAT.length - 2, (int) Math.floor(x));
    double f = x - i;
    Color a = HEAT[i];
    Color b = HEAT[i + 1];
    return new Color((int) Math.round(a.getRed() + f * (b.getRed() - a.getRed())),
        (int) Math.round(a.getGreen() + f * (b.getGreen() - a.getGreen())),
        (int) Math.round(a.getBlue() + f * (b.getBlue() - a.getBlue())));
  }
}
