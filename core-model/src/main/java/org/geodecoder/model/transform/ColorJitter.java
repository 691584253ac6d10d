package org.geodecoder.model.transform;

import ai.djl.ndarray.NDArray;
import java.util.Random;

/**
 * torchvision's {@code ColorJitter(brightness, contrast, saturation, hue)}: factors drawn
 * uniformly from {@code [max(0, 1 − x), 1 + x]} (hue shift from {@code [−hue, hue]}), applied in
 * a random order; images are clamped to the value range after each step. DJL's colour jitter
 * is not implemented on the PyTorch engine, hence this class, written on plain float arrays.
 *
 * <p>Input and output: {@code [H, W, 3]} float RGB in [0, 255].
 */
public final class ColorJitter {
  private final float brightness;
  private final float contrast;
  private final float saturation;
  private final float hue;

  /**
   * @param hue in [0, 0.5]
   */
  public ColorJitter(float brightness, float contrast, float saturation, float hue) {
    if (brightness < 0 || contrast < 0 || saturation < 0 || hue < 0 || hue > 0.5f) {
      throw new IllegalArgumentException(
          String.format(
              "ColorJitter needs brightness, contrast, saturation >= 0 and hue in [0, 0.5], got"
                  + " %s, %s, %s, %s",
              brightness, contrast, saturation, hue));
    }
    this.brightness = brightness;
    this.contrast = contrast;
    this.saturation = saturation;
    this.hue = hue;
  }

  /** The paper's ColorJitter(0.4, 0.4, 0.4, 0.1). */
  public static ColorJitter paper() {
    return new ColorJitter(0.4f, 0.4f, 0.4f, 0.1f);
  }

  public NDArray apply(NDArray hwc, Random random) {
    float[] rgb = hwc.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] /= 255f;
    }
    float b = factor(brightness, random);
    float c = factor(contrast, random);
    float s = factor(saturation, random);
    float h = hue == 0 ? 0 : (random.nextFloat() * 2 - 1) * hue;
    int[] order = {0, 1, 2, 3};
    for (int i = 3; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    for (int op : order) {
      switch (op) {
        case 0:
          brightness(rgb, b);
          break;
        case 1:
          contrast(rgb, c);
          break;
        case 2:
          saturation(rgb, s);
          break;
        default:
          hue(rgb, h);
      }
    }
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] *= 255f;
    }
    return hwc.getManager().create(rgb, hwc.getShape());
  }

  private static float factor(float amount, Random random) {
    if (amount == 0) {
      return 1f;
    }
    float lo = Math.max(0f, 1f - amount);
    return lo + random.nextFloat() * (1f + amount - lo);
  }

  static void brightness(float[] rgb, float f) {
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = clamp(rgb[i] * f);
    }
  }

  static void contrast(float[] rgb, float f) {
    double sum = 0;
    for (int i = 0; i < rgb.length; i += 3) {
      sum += gray(rgb, i);
    }
    float mean = (float) (sum / (rgb.length / 3));
    for (int i = 0; i < rgb.length; i++) {
      rgb[i] = clamp(f * rgb[i] + (1 - f) * mean);
    }
  }

  static void saturation(float[] rgb, float f) {
    for (int i = 0; i < rgb.length; i += 3) {
      float g = gray(rgb, i);
      for (int k = 0; k < 3; k++) {
        rgb[i + k] = clamp(f * rgb[i + k] + (1 - f) * g);
      }
    }
  }

  /** Rotates the hue by {@code shift} turns (HSV round trip, as torchvision's adjust_hue). */
  static void hue(float[] rgb, float shift) {
    if (shift == 0) {
      return;
    }
    for (int i = 0; i < rgb.length; i += 3) {
      float r = rgb[i];
      float g = rgb[i + 1];
      float b = rgb[i + 2];
      float max = Math.max(r, Math.max(g, b));
      float min = Math.min(r, Math.min(g, b));
      float delta = max - min;
      float h;
      if (delta == 0) {
        h = 0;
      } else if (max == r) {
        h = ((g - b) / delta) / 6f;
      } else if (max == g) {
        h = ((b - r) / delta + 2) / 6f;
      } else {
        h = ((r - g) / delta + 4) / 6f;
      }
      float s = max == 0 ? 0 : delta / max;
      h = (float) ((h + shift) - Math.floor(h + shift));
      float h6 = h * 6f;
      int sector = Math.min((int) h6, 5);
      float frac = h6 - sector;
      float p = max * (1 - s);
      float q = max * (1 - s * frac);
      float t = max * (1 - s * (1 - frac));
      float[] out;
      switch (sector) {
        case 0:
          out = new float[] {max, t, p};
          break;
        case 1:
          out = new float[] {q, max, p};
          break;
        case 2:
          out = new float[] {p, max, t};
          break;
        case 3:
          out = new float[] {p, q, max};
          break;
        case 4:
          out = new float[] {t, p, max};
          break;
        default:
          out = new float[] {max, p, q};
      }
      rgb[i] = out[0];
      rgb[i + 1] = out[1];
      rgb[i + 2] = out[2];
    }
  }

  private static float gray(float[] rgb, int i) {
    return 0.299f * rgb[i] + 0.587f * rgb[i + 1] + 0.114f * rgb[i + 2];
  }

  private static float clamp(float v) {
    return v < 0 ? 0 : Math.min(v, 1f);
  }
}
