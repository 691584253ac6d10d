package org.geodecoder.model.transform;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.util.Random;

/**
 * The paper's {@code RandomAffine(degrees=(1, 15))}: a rotation about the image centre by an
 * angle drawn uniformly from [min, max] degrees (counter-clockwise, as torchvision), nearest
 * neighbour sampling, zero fill; no translation, scale or shear. DJL has no arbitrary-angle
 * rotation, hence this class.
 *
 * <p>Input and output: {@code [H, W, C]} (any type; output float32).
 */
public final class RandomRotation {
  private final float minDegrees;
  private final float maxDegrees;

  public RandomRotation(float minDegrees, float maxDegrees) {
    if (!(minDegrees <= maxDegrees)) {
      throw new IllegalArgumentException(
          "RandomRotation needs min <= max degrees, got " + minDegrees + ", " + maxDegrees);
    }
    this.minDegrees = minDegrees;
    this.maxDegrees = maxDegrees;
  }

  /** RandomAffine((1, 15)). */
  public static RandomRotation paper() {
    return new RandomRotation(1, 15);
  }

  public NDArray apply(NDArray hwc, Random random) {
    float degrees = minDegrees + random.nextFloat() * (maxDegrees - minDegrees);
    return rotate(hwc, degrees);
  }

  /** Rotates by {@code degrees} counter-clockwise about the centre. */
  public static NDArray rotate(NDArray hwc, double degrees) {
    int h = Math.toIntExact(hwc.getShape().get(0));
    int w = Math.toIntExact(hwc.getShape().get(1));
    int c = Math.toIntExact(hwc.getShape().get(2));
    float[] in = hwc.toType(DataType.FLOAT32, false).toFloatArray();
    float[] out = new float[in.length];
    double a = Math.toRadians(degrees);
    double cos = Math.cos(a);
    double sin = Math.sin(a);
    double cx = (w - 1) / 2.0;
    double cy = (h - 1) / 2.0;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        // inverse map: rotate the output position clockwise (y axis points down)
        double dx = x - cx;
        double dy = y - cy;
        int sx = (int) Math.round(cos * dx - sin * dy + cx);
        int sy = (int) Math.round(sin * dx + cos * dy + cy);
        if (sx >= 0 && sx < w && sy >= 0 && sy < h) {
          System.arraycopy(in, (sy * w + sx) * c, out, (y * w + x) * c, c);
        }
      }
    }
    return hwc.getManager().create(out, hwc.getShape());
  }
}
