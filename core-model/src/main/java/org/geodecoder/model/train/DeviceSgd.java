package org.geodecoder.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.geodecoder.model.Autograd;

/**
 * {@link SgdOptimizer}'s update on the parameters' device: the weights are the model's own
 * parameter arrays, the momentum one flat device tensor (with a view per parameter), so nothing
 * full-size leaves the device in a step. The update is PyTorch's fused SGD kernel ({@link
 * FusedSgdKernel}): one pass over weight, gradient and momentum, no temporaries (the in-place
 * DJL operations it replaced made about 8 passes and two full-size temporaries).
 *
 * <p>Every element goes through the reference's float operations ({@code g + wd·w}, {@code mu·v +
 * g}, {@code w − lr·v}), except that the kernel fuses {@code g + wd·w} (and, in each tensor's last
 * few elements, {@code mu·v + g}) into one multiply-add rounded once: the weights stay within a
 * float rounding of {@link SgdOptimizer} (about 1e-7 relative after several steps), and replicas
 * running the same kernel on the same reduced gradient stay bit-identical, which is what the
 * N-replica equivalence needs. (Nodes of one cluster with different vector units, AVX2 against
 * AVX-512, already differ in the last bit in forward and backward; the update adds no new case.)
 * The gradient norm is taken as PyTorch's {@code clip_grad_norm_} takes it (float norms per
 * tensor, then their norm; a double conversion of the whole gradient cost 15 times as much): it
 * differs from the reference's double sum by about 1e-7 relative.
 */
final class DeviceSgd implements AutoCloseable {
  private final SgdConfig config;
  private final List<NDArray> weights;
  private final NDManager manager;
  private final NDArray momentumFlat;
  private final List<NDArray> momentum;
  private final Device device;
  private final int size;
  private long step;

  /**
   * @param weights the parameter arrays, updated in place (not owned)
   * @param parent manager on the parameters' device; the optimizer's tensors live in a child
   */
  DeviceSgd(SgdConfig config, List<NDArray> weights, NDManager parent) {
    this.config = config;
    this.weights = weights;
    this.manager = parent.newSubManager();
    this.device = parent.getDevice();
    long total = 0;
    for (NDArray w : weights) {
      total += w.size();
    }
    this.size = Math.toIntExact(total);
    this.momentumFlat = manager.zeros(new Shape(size), DataType.FLOAT32, device);
    this.momentum = views(momentumFlat, weights);
  }

  /** Views of {@code flat}, one per parameter, shaped as it (in-place ops on them write flat). */
  static List<NDArray> views(NDArray flat, List<NDArray> like) {
    List<NDArray> views = new ArrayList<>(like.size());
    long offset = 0;
    for (NDArray w : like) {
      long n = w.size();
      views.add(flat.get(new NDIndex(offset + ":" + (offset + n))).reshape(w.getShape()));
      offset += n;
    }
    return views;
  }

  private NDArray scalar(NDManager m, double value) {
    return m.full(new Shape(), (float) value, DataType.FLOAT32, device);
  }

  int size() {
    return size;
  }

  long step() {
    return step;
  }

  double learningRate() {
    return config.learningRateAt(step);
  }

  /**
   * The L2 norm of a gradient given per parameter (null = zero), as PyTorch's {@code
   * clip_grad_norm_} takes it: the float norm of each tensor, then the float norm of those; one
   * 4-byte read back. NaN or infinite exactly when a value is (barring float overflow of the norm,
   * itself a divergence).
   */
  static double norm(List<NDArray> gradients, NDManager parent) {
    return Autograd.withGrad(false, () -> {
      try (NDManager m = parent.newSubManager()) {
        NDList norms = new NDList();
        for (NDArray g : gradients) {
          if (g != null) {
            NDArray n = g.norm();
            n.attach(m); // freed with m
            norms.add(n.reshape(1));
          }
        }
        if (norms.isEmpty()) {
          return 0.0;
        }
        return (double) NDArrays.concat(norms).norm().getFloat();
      }
    });
  }

  /**
   * One update of the weights in place with the given gradient (per parameter, null = zero;
   * scaled and modified in place: pass arrays that are dropped or zeroed afterwards).
   *
   * @param norm the gradient's L2 norm (for clipping)
   */
  void update(List<NDArray> gradients, double norm) {
    if (gradients.size() != weights.size()) {
      throw new IllegalArgumentException(
          "Optimizer holds " + weights.size() + " parameters, got " + gradients.size() + " gradients");
    }
    Autograd.withGrad(false, () -> {
      try (NDManager m = manager.newSubManager()) {
        NDArray scale = null;
        if (config.clipNorm() > 0 && norm > config.clipNorm()) {
          scale = scalar(m, (float) (config.clipNorm() / (norm + 1e-6)));
        }
        List<NDArray> dense = new ArrayList<>(gradients.size());
        for (int i = 0; i < weights.size(); i++) {
          NDArray g = gradients.get(i);
          if (g == null) {
            g = m.zeros(weights.get(i).getShape(), DataType.FLOAT32, device);
          } else if (scale != null) {
            g.muli(scale);
          }
          dense.add(g);
        }
        // g + wd·w, mu·v + g (v = g at the first step), w − lr·v: one fused pass per parameter
        FusedSgdKernel.step(weights, dense, momentum, (float) config.weightDecay(), (float) config.momentum(),
            (float) learningRate(), step == 0);
        return null;
      }
    });
    step++;
  }

  OptimizerState state() {
    return new OptimizerState(step, momentumFlat.toFloatArray());
  }

  void restore(OptimizerState state) {
    if (state.size() != size) {
      throw new IllegalArgumentException(
          "Optimizer state holds " + state.size() + " values, the model has " + size);
    }
    // copy_ into the existing storage (NDArray.set(Buffer) would detach the per-parameter views)
    try (NDManager cpu = manager.getEngine().newBaseManager(Device.cpu());
        NDArray host = cpu.create(state.momentum())) {
      momentumFlat.set(new NDIndex("..."), host);
    }
    step = state.step();
  }

  @Override
  public void close() {
    manager.close();
  }
}
