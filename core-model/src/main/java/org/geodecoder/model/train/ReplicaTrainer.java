package org.geodecoder.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import java.util.Arrays;
import java.util.Random;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.loss.GeoLoss;
import org.geodecoder.model.loss.LossTerms;

/**
 * One model replica of synchronous data-parallel training, usable alone as a single-process
 * trainer. A step is split so that a caller can all-reduce gradients in between:
 *
 * <ol>
 *   <li>{@link #computeGradients(Batch, double)}: forward + backward on this replica's slice,
 *       adding {@code share · ∇(mean loss of the slice)} to the gradient, where {@code share =
 *       B_slice / B_global}; gradients accumulate over calls;
 *   <li>{@link #flatGradient()} → (all-reduce: <em>sum</em> the replicas' vectors) → {@link
 *       #setFlatGradient(float[])};
 *   <li>{@link #applyUpdate()}: clipping, SGD with momentum and weight decay at the scheduled
 *       rate, then the gradient is zeroed.
 * </ol>
 *
 * Because the loss is a sum over samples divided by the global batch size, the summed replica
 * gradients equal the gradient of one replica on the whole batch, and replicas that apply the
 * same summed gradient stay bitwise identical (the update is plain Java float arithmetic on a
 * master copy of the weights).
 *
 * <p>Determinism: weights come from the model seed; stochastic-depth masks from a generator
 * seeded by {@code (seed, step)}, so give each replica its own seed. Not thread-safe; one per
 * thread.
 */
public final class ReplicaTrainer implements AutoCloseable {
  private final GeoModel model;
  private final boolean ownsModel;
  private final SgdOptimizer optimizer;
  private final long seed;
  private float[] weights;
  private Random stepRandom;

  /**
   * Trains an existing model; the caller keeps ownership of it.
   *
   * @param seed seeds the stochastic-depth masks
   */
  public ReplicaTrainer(GeoModel model, SgdConfig sgd, long seed) {
    this(model, false, sgd, seed);
  }

  private ReplicaTrainer(GeoModel model, boolean ownsModel, SgdConfig sgd, long seed) {
    if (model.parameterCount() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "Flat vectors hold at most 2^31−1 values, the model has " + model.parameterCount());
    }
    this.model = model;
    this.ownsModel = ownsModel;
    this.seed = seed;
    this.weights = model.flatParameters();
    this.optimizer = new SgdOptimizer(sgd, weights.length);
  }

  /**
   * Builds a model from a config (initialised from {@code seed}) and a trainer that owns it.
   */
  public static ReplicaTrainer create(ModelConfig config, Device device, SgdConfig sgd, long seed) {
    return new ReplicaTrainer(GeoModel.create(config, device, seed), true, sgd, seed);
  }

  public GeoModel model() {
    return model;
  }

  /** Number of values of the flat vectors. */
  public int size() {
    return weights.length;
  }

  /** Updates applied so far. */
  public long step() {
    return optimizer.step();
  }

  /** The rate the next update will use. */
  public double learningRate() {
    return optimizer.learningRate();
  }

  /**
   * Forward and backward on a batch slice; adds {@code share ·} the gradient of the slice's mean
   * loss to the accumulated gradient.
   *
   * @param share this slice's fraction of the global batch, {@code B_slice / B_global}, in (0, 1]
   * @return the slice's loss terms (sums and counts, for logging)
   */
  public LossTerms computeGradients(Batch batch, double share) {
    synchronized (deviceLock()) {
      if (!(share > 0 && share <= 1)) {
        throw new IllegalArgumentException("share must be in (0, 1], got " + share);
      }
      int b = batch.size();
      long expected = model.inputShape(b).size();
      int hs = model.config().hierarchies();
      if (batch.images().length != expected || batch.classLabels().length != (long) b * hs) {
        throw new IllegalArgumentException(
            String.format(
                "Batch of %d needs %d image values and %d class labels (H=%d), got %d and %d",
                b, expected, b * hs, hs, batch.images().length, batch.classLabels().length));
      }
      try (NDScope scope = new NDScope();
          NDManager m = model.manager().newSubManager()) {
        scope.suppressNotUsedWarning();
        NDArray images = m.create(batch.images(), model.inputShape(b));
        return Autograd.withGrad(
            true,
            () -> {
              NDList out = model.forward(images, true, random());
              GeoLoss.Result r =
                  GeoLoss.compute(out, batch.classLabels(), batch.sceneLabels(), b / share,
                      model.config().geoLossQueries());
              Autograd.backward(r.objective());
              return r.terms();
            });
      }
    }
  }

  /** The accumulated gradient, flat in parameter order (zeros before any backward). */
  public float[] flatGradient() {
    synchronized (deviceLock()) {
      float[] flat = new float[weights.length];
      int offset = 0;
      for (Parameter p : model.parameters()) {
        NDArray array = p.getArray();
        int n = Math.toIntExact(array.size());
        NDArray grad = Autograd.gradientOrNull(array);
        if (grad != null) {
          try (grad) {
            System.arraycopy(grad.toFloatArray(), 0, flat, offset, n);
          }
        }
        offset += n;
      }
      return flat;
    }
  }

  /**
   * Replaces the accumulated gradient, e.g. with the all-reduced sum.
   *
   * @throws IllegalStateException before the first {@link #computeGradients}
   */
  public void setFlatGradient(float[] gradient) {
    synchronized (deviceLock()) {
      checkSize(gradient, "gradient");
      int offset = 0;
      for (Parameter p : model.parameters()) {
        NDArray array = p.getArray();
        int n = Math.toIntExact(array.size());
        NDArray grad = Autograd.gradientOrNull(array);
        if (grad == null) {
          throw new IllegalStateException(
              "Parameter " + p.getName() + " has no gradient yet; call computeGradients first");
        }
        try (grad;
            NDArray values =
                grad.getManager()
                    .create(Arrays.copyOfRange(gradient, offset, offset + n), array.getShape())
                    .toDevice(array.getDevice(), false)) {
          Autograd.zeroGradient(array);
          grad.addi(values); // in place: the parameter's own gradient tensor
        }
        offset += n;
      }
    }
  }

  /** Zeroes the accumulated gradient. */
  public void zeroGradients() {
    synchronized (deviceLock()) {
      for (Parameter p : model.parameters()) {
        Autograd.zeroGradient(p.getArray());
      }
    }
  }

  /**
   * Applies one optimizer update with the current gradient, writes the weights to the model and
   * zeroes the gradient.
   *
   * @return the gradient's L2 norm before clipping
   */
  public double applyUpdate() {
    float[] gradient = flatGradient();
    double norm = optimizer.update(weights, gradient);
    synchronized (deviceLock()) {
      model.setFlatParameters(weights);
    }
    zeroGradients();
    stepRandom = null;
    return norm;
  }

  /**
   * Applies one optimizer update with a given gradient (e.g. the all-reduced sum of the
   * replicas' {@link #flatGradient()}s), writes the weights to the model and zeroes this
   * replica's own accumulated gradient. Unlike {@link #setFlatGradient} + {@link #applyUpdate()}
   * it needs no prior backward pass, so a replica whose slice held no usable sample still takes
   * the same step as its peers.
   *
   * @param gradient scaled in place when clipping is on
   * @return the gradient's L2 norm before clipping
   */
  public double applyUpdate(float[] gradient) {
    checkSize(gradient, "gradient");
    double norm = optimizer.update(weights, gradient);
    synchronized (deviceLock()) {
      model.setFlatParameters(weights);
    }
    zeroGradients();
    stepRandom = null;
    return norm;
  }

  /** The weights, flat in parameter order (a copy). */
  public float[] flatParameters() {
    return weights.clone();
  }

  /** Replaces the weights (e.g. broadcast from replica 0, or restored from a checkpoint). */
  public void setFlatParameters(float[] values) {
    checkSize(values, "parameter vector");
    weights = values.clone();
    synchronized (deviceLock()) {
      model.setFlatParameters(weights);
    }
  }

  public OptimizerState optimizerState() {
    return optimizer.state();
  }

  public void restoreOptimizerState(OptimizerState state) {
    optimizer.restore(state);
    stepRandom = null;
  }

  /** See {@link org.geodecoder.model.DeviceLocks}. */
  private Object deviceLock() {
    return org.geodecoder.model.DeviceLocks.of(model.device());
  }

  private Random random() {
    if (stepRandom == null) {
      stepRandom = new Random(seed * 0x9E3779B97F4A7C15L + optimizer.step());
    }
    return stepRandom;
  }

  private void checkSize(float[] values, String what) {
    if (values.length != weights.length) {
      throw new IllegalArgumentException(
          "Expected a " + what + " of " + weights.length + " values, got " + values.length);
    }
  }

  @Override
  public void close() {
    if (ownsModel) {
      model.close();
    }
  }
}
