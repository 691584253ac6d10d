package org.geodecoder.model.nn;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Differentiable casts between float32 and bfloat16 (libtorch's {@code Tensor.to}): the gradient
 * of the result reaches the input in the input's type.
 *
 * <p>Written by hand because DJL 0.36 cannot do either: its JNI maps no {@link DataType} to
 * {@code torch.bfloat16} ({@code NDArray.toType(BFLOAT16)} aborts the JVM with "terminate called
 * without an active exception"), and its {@code toType} runs under a {@code NoGradGuard}, so a
 * cast it makes cuts the autograd graph. The casts run as two one-line TorchScript modules
 * ({@code src/main/torchscript/to_bfloat16.py} writes them), loaded once per JVM and shared by
 * all threads (they hold no state). Each call costs one TorchScript dispatch (tens of µs).
 *
 * <p>DJL reports a bfloat16 array's type as {@link DataType#UNKNOWN}; code that meets one must
 * not pass that type back to DJL (e.g. to create a constant), which would abort as above.
 */
public final class Bf16Cast {
  private Bf16Cast() {}

  /** Loaded on first use. */
  private static final class Modules {
    static final NDManager MANAGER = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    static final PtSymbolBlock TO_BF16 = load("to_bfloat16.pt");
    static final PtSymbolBlock TO_FP32 = load("to_float32.pt");

    private static PtSymbolBlock load(String name) {
      try (InputStream in = Bf16Cast.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new IllegalStateException("Missing resource " + name + " beside " + Bf16Cast.class.getName());
        }
        return JniUtils.loadModule((PtNDManager) MANAGER, in, false, false);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot load the TorchScript cast " + name, e);
      }
    }
  }

  /** {@code x} as bfloat16 (a new array in x's manager; x itself when it is not float32). */
  public static NDArray toBfloat16(NDArray x) {
    if (x.getDataType() != DataType.FLOAT32) {
      return x; // bfloat16 already (DJL says UNKNOWN)
    }
    return run(Modules.TO_BF16, x);
  }

  /**
   * {@code x} as float32 when it is bfloat16; x itself otherwise (float32, and also float64: the
   * gradient checks run the model in double precision, which must stay double).
   */
  public static NDArray toFloat32(NDArray x) {
    if (!isBfloat16(x)) {
      return x;
    }
    return run(Modules.TO_FP32, x);
  }

  /** Whether DJL sees {@code x} as bfloat16 (it reports the type as UNKNOWN). */
  public static boolean isBfloat16(NDArray x) {
    return x.getDataType() == DataType.UNKNOWN;
  }

  private static NDArray run(PtSymbolBlock module, NDArray x) {
    // isTrain = true: no inference guard, so autograd records the cast when grad mode is on
    return IValueUtils.forward(module, new NDList(x), true).singletonOrThrow();
  }
}
