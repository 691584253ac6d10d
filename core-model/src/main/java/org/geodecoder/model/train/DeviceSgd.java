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
 * {@link SgdOptimizer}'s update as in-place libtorch operations on the parameters' device: the
 * weights are the model's own parameter arrays, the momentum one flat device tensor (with a view
 * per parameter), so nothing full-size leaves the device in a step.
 *
 * <p>Every element goes through the same float operations, in the same order, as the Java
 * reference ({@code g + wd·w}, {@code mu·v + g}, {@code w − lr·v}, each rounded to float; the
 * constants are float tensors), so without clipping the weights match it bit for bit. The one
 * difference is the gradient norm, taken as PyTorch's {@code clip_grad_norm_} takes it (float
 * norms per tensor, then their norm; a double conversion of the whole gradient cost 15 times as
 * much): it differs from the reference's double sum by about 1e-7 relative, so with clipping
 * active the clipping factor, and the weights, may differ in the last float bit.
 */
final class DeviceSgd implements AutoCloseable {
  private final SgdConfig config;
  private final List<NDArray> weights;
  private final NDManager manager;
  private final NDArray momentumFlat;
  private final List<NDArray> momentum;
  private final NDArray mu;
  private final NDArray wd;
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
    this.mu = scalar(manager, config.momentum());
    this.wd = scalar(manager, config.weightDecay());
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
        NDArray lr = scalar(m, learningRate());
        NDArray scale = null;
        if (config.clipNorm() > 0 && norm > config.clipNorm()) {
          scale = scalar(m, (float) (config.clipNorm() / (norm + 1e-6)));
        }
        boolean first = step == 0;
        for (int i = 0; i < weights.size(); i++) {
          NDArray w = weights.get(i);
          NDArray v = momentum.get(i);
          NDArray g = gradients.get(i);
          if (g == null) {
            g = m.zeros(w.getShape(), DataType.FLOAT32, device);
          }
          if (scale != null) {
            g.muli(scale);
          }
          try (NDArray decay = w.mul(wd)) {
            g.addi(decay); // g + wd·w
          }
          if (first) {
            v.set(new NDIndex("..."), g); // v = g (PyTorch's momentum buffer starts as a copy)
          } else {
            v.muli(mu).addi(g); // mu·v + g
          }
          try (NDArray delta = v.mul(lr)) {
            w.subi(delta); // w − lr·v
          }
        }
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
