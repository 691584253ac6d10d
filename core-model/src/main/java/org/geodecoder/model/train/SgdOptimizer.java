package org.geodecoder.model.train;

/**
 * SGD on flat float vectors, exactly PyTorch's {@code torch.optim.SGD} (dampening 0, no
 * Nesterov) after {@code clip_grad_norm_}, with a MultiStepLR rate:
 *
 * <pre>
 * g ← g · min(1, clip / (‖g‖ + 1e-6))       (if clipping)
 * g ← g + weightDecay · w
 * v ← momentum · v + g                      (v = g at the first update)
 * w ← w − lr(step) · v
 * </pre>
 *
 * Plain Java float arithmetic in a fixed order, so every replica that applies the same gradient
 * to the same weights gets bitwise the same result, on any machine.
 */
public final class SgdOptimizer {
  private final SgdConfig config;
  private float[] momentum;
  private long step;

  public SgdOptimizer(SgdConfig config, int size) {
    this.config = config;
    this.momentum = new float[size];
  }

  public SgdConfig config() {
    return config;
  }

  /** Updates applied so far. */
  public long step() {
    return step;
  }

  /** The rate the next update will use. */
  public double learningRate() {
    return config.learningRateAt(step);
  }

  /**
   * Applies one update to {@code weights} in place. {@code gradient} is scaled in place when
   * clipping.
   *
   * @return the gradient's L2 norm before clipping
   */
  public double update(float[] weights, float[] gradient) {
    if (weights.length != momentum.length || gradient.length != momentum.length) {
      throw new IllegalArgumentException(
          String.format(
              "Optimizer holds %d values, got weights %d and gradient %d",
              momentum.length, weights.length, gradient.length));
    }
    double squares = 0;
    for (float g : gradient) {
      squares += (double) g * g;
    }
    double norm = Math.sqrt(squares);
    if (config.clipNorm() > 0 && norm > config.clipNorm()) {
      float scale = (float) (config.clipNorm() / (norm + 1e-6));
      for (int i = 0; i < gradient.length; i++) {
        gradient[i] *= scale;
      }
    }
    float lr = (float) learningRate();
    float mu = (float) config.momentum();
    float wd = (float) config.weightDecay();
    boolean first = step == 0;
    for (int i = 0; i < weights.length; i++) {
      float g = gradient[i] + wd * weights[i];
      float v = first ? g : mu * momentum[i] + g;
      momentum[i] = v;
      weights[i] -= lr * v;
    }
    step++;
    return norm;
  }

  public OptimizerState state() {
    return new OptimizerState(step, momentum);
  }

  /**
   * @throws IllegalArgumentException if the state is for a model of another size
   */
  public void restore(OptimizerState state) {
    if (state.size() != momentum.length) {
      throw new IllegalArgumentException(
          "Optimizer state holds " + state.size() + " values, the model has " + momentum.length);
    }
    this.momentum = state.momentum();
    this.step = state.step();
  }
}
