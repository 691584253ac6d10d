package org.geodecoder.model;

import ai.djl.ndarray.NDArray;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import java.util.function.Supplier;

/**
 * The few autograd operations the trainer needs, on PyTorch's thread-local grad mode.
 *
 * <p>DJL's {@code PtGradientCollector} allows only one collector per JVM at a time (a static
 * flag), which would serialise or break the model replicas of several Spark tasks in one
 * executor. PyTorch's grad mode is per thread, so recording and back-propagation here are safe
 * from concurrent threads, each with its own model.
 */
public final class Autograd {
  private Autograd() {}

  /** Runs {@code body} with gradient recording on or off in this thread, then restores it. */
  public static <T> T withGrad(boolean enabled, Supplier<T> body) {
    boolean previous = JniUtils.isGradMode();
    JniUtils.setGradMode(enabled);
    try {
      return body.get();
    } finally {
      JniUtils.setGradMode(previous);
    }
  }

  /** Back-propagates a scalar: adds d(target)/d(parameter) to every parameter's gradient. */
  public static void backward(NDArray target) {
    if (target.getShape().size() != 1) {
      throw new IllegalArgumentException(
          "backward needs a scalar, got shape " + target.getShape());
    }
    try (NDArray ones = target.onesLike()) {
      JniUtils.backward(pt(target), pt(ones), false, false);
    }
  }

  /** The gradient of a parameter array, or null if none has been accumulated yet. */
  public static NDArray gradientOrNull(NDArray parameter) {
    return JniUtils.getGradient(pt(parameter));
  }

  /** Zeroes a parameter's gradient in place (no-op without one). */
  public static void zeroGradient(NDArray parameter) {
    JniUtils.zeroGrad(pt(parameter));
  }

  private static PtNDArray pt(NDArray array) {
    if (!(array instanceof PtNDArray)) {
      throw new IllegalStateException(
          "core-model runs on the PyTorch engine, got an array of " + array.getClass().getName());
    }
    return (PtNDArray) array;
  }
}
