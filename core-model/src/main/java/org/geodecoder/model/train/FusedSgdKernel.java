package org.geodecoder.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * PyTorch's fused SGD kernel ({@code torch._fused_sgd_}, what {@code torch.optim.SGD(fused=True)}
 * runs): one vectorized, multi-threaded pass per parameter that reads weight, gradient and
 * momentum and writes weight and momentum, on the tensors' own device (CPU or CUDA).
 *
 * <p>Written by hand because DJL 0.36 has no binding for it (nor for any PyTorch optimizer
 * kernel); the call runs as a one-line TorchScript module ({@code
 * src/main/torchscript/fused_sgd.py} writes it), loaded once per JVM and shared by all threads
 * (it holds no state). Per element it computes {@code g + wd·w}, {@code mu·v + g}, {@code w −
 * lr·v} as {@link SgdOptimizer} does, some of them as fused multiply-adds (see {@link DeviceSgd}).
 */
final class FusedSgdKernel {
  private FusedSgdKernel() {}

  /** Loaded on first use. */
  private static final class Module {
    static final NDManager MANAGER = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    static final PtSymbolBlock SGD = load();

    private static PtSymbolBlock load() {
      try (InputStream in = FusedSgdKernel.class.getResourceAsStream("fused_sgd.pt")) {
        if (in == null) {
          throw new IllegalStateException("Missing resource fused_sgd.pt beside " + FusedSgdKernel.class.getName());
        }
        return JniUtils.loadModule((PtNDManager) MANAGER, in, false, false);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot load the TorchScript SGD kernel fused_sgd.pt", e);
      }
    }
  }

  /**
   * Updates {@code weights} and {@code momentum} in place (run it with autograd off: the weights
   * are leaves that require gradients). The gradients are read, not written. All lists are
   * parallel, their tensors contiguous float32 on one device.
   *
   * @param firstStep momentum starts as a copy of the (decayed) gradient, as in PyTorch
   */
  static void step(List<NDArray> weights, List<NDArray> gradients, List<NDArray> momentum, double weightDecay,
      double momentumFactor, double learningRate, boolean firstStep) {
    List<IValue> arguments = new ArrayList<>(7);
    try {
      arguments.add(IValue.listFrom(pt(weights)));
      arguments.add(IValue.listFrom(pt(gradients)));
      arguments.add(IValue.listFrom(pt(momentum)));
      arguments.add(IValue.from(weightDecay));
      arguments.add(IValue.from(momentumFactor));
      arguments.add(IValue.from(learningRate));
      arguments.add(IValue.from(firstStep));
      try (IValue result = IValueUtils.runMethod(Module.SGD, "forward", arguments.toArray(new IValue[0]))) {
        if (result.toLong() != weights.size()) {
          throw new IllegalStateException("Fused SGD updated " + result.toLong() + " of " + weights.size() + " parameters");
        }
      }
    } finally {
      arguments.forEach(IValue::close);
    }
  }

  private static PtNDArray[] pt(List<NDArray> arrays) {
    PtNDArray[] out = new PtNDArray[arrays.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = (PtNDArray) arrays.get(i);
    }
    return out;
  }
}
