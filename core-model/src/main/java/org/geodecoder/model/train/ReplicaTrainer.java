package org.geodecoder.model.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Parameter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.loss.GeoLoss;
import org.geodecoder.model.nn.DropPath;
import org.geodecoder.model.loss.LossTerms;

/**
 * One model replica of synchronous data-parallel training, usable alone as a single-process
 * trainer. Weights, gradients and momentum stay on the model's device for the whole run; the
 * optimizer ({@link SgdOptimizer}'s semantics) runs as in-place libtorch operations. A step is
 * split so that a caller can all-reduce gradients in between:
 *
 * <ol>
 *   <li>{@link #computeGradients(Batch, double)}: forward + backward on this replica's slice,
 *       adding {@code share · ∇(mean loss of the slice)} to the gradient, where {@code share =
 *       B_slice / B_global}; gradients accumulate over calls;
 *   <li>with N replicas: {@link #gradientsToHost(ByteBuffer)} (gathered on the device into one
 *       flat tensor, one copy into the caller's host buffer) → all-reduce (<em>sum</em>) → {@link
 *       #gradientsFromHost(ByteBuffer)} (one copy back); with one replica nothing;
 *   <li>{@link #gradientNorm()} (one 4-byte read back, also the divergence check), then {@link
 *       #applyUpdate(double)}: clipping, SGD with momentum and weight decay at the scheduled rate,
 *       then the gradient is zeroed.
 * </ol>
 *
 * Because the loss is a sum over samples divided by the global batch size, the summed replica
 * gradients equal the gradient of one replica on the whole batch, and replicas that apply the
 * same summed gradient stay bitwise identical (same operations on the same values).
 *
 * <p>Determinism: weights come from the model seed; stochastic-depth masks from the batch's
 * {@link Batch#sampleKeys() sample keys} (give them for N-replica equivalence), else from keys
 * derived from {@code (seed, step, slot)}. Not thread-safe; one per thread.
 *
 * <p>The float[] methods ({@link #flatGradient()}, {@link #setFlatGradient(float[])}, {@link
 * #applyUpdate(float[])}, {@link #flatParameters()}) copy full vectors between device and host;
 * they are for tests and tools, not for the step loop.
 */
public final class ReplicaTrainer implements AutoCloseable {
  private final GeoModel model;
  private final boolean ownsModel;
  private final SgdConfig config;
  private final DeviceSgd optimizer;
  private final List<NDArray> weights;
  private final HostTransfers transfers = new HostTransfers();
  private final long seed;
  private GradientBuffer exchange;
  /** True between {@link #gradientsFromHost} and the update: the update reads the flat buffer. */
  private boolean reduced;

  /**
   * Trains an existing model; the caller keeps ownership of it.
   *
   * @param seed seeds the stochastic-depth masks of batches without sample keys
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
    this.config = sgd;
    this.weights = new ArrayList<>();
    for (Parameter p : model.parameters()) {
      weights.add(p.getArray());
    }
    synchronized (deviceLock()) {
      this.optimizer = new DeviceSgd(sgd, weights, model.manager());
    }
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
    return optimizer.size();
  }

  /** Updates applied so far. */
  public long step() {
    return optimizer.step();
  }

  /** The rate the next update will use. */
  public double learningRate() {
    return optimizer.learningRate();
  }

  /** What this trainer has copied between device and host so far (running counters). */
  public HostTransfers transfers() {
    return transfers;
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
        DropPath.SampleKeys keys = new DropPath.SampleKeys(sampleKeys(batch));
        return Autograd.withGrad(
            true,
            () -> {
              NDList out = model.forward(images, true, keys);
              GeoLoss.Result r =
                  GeoLoss.compute(out, batch.classLabels(), batch.sceneLabels(), b / share,
                      model.config().geoLossQueries());
              Autograd.backward(r.objective());
              return r.terms();
            });
      }
    }
  }

  private long[] sampleKeys(Batch batch) {
    if (batch.sampleKeys() != null) {
      return batch.sampleKeys();
    }
    long[] keys = new long[batch.size()];
    long base = DropPath.SampleKeys.mix(seed * 0x9E3779B97F4A7C15L + optimizer.step());
    for (int i = 0; i < keys.length; i++) {
      keys[i] = DropPath.SampleKeys.mix(base + i);
    }
    return keys;
  }

  /**
   * Gathers the accumulated gradient on the device into the preallocated flat tensor and copies
   * it, in one transfer, into the first {@link #size()} floats of {@code host} (direct, native
   * order).
   */
  public void gradientsToHost(ByteBuffer host) {
    synchronized (deviceLock()) {
      GradientBuffer buffer = exchange();
      buffer.gather(weights);
      buffer.copyToHost(host);
      transfers.toHost((long) size() * Float.BYTES, true);
    }
  }

  /**
   * Copies the first {@link #size()} floats of {@code host} (e.g. the all-reduced sum) to the
   * device in one transfer; the next update uses them instead of this replica's own gradient.
   */
  public void gradientsFromHost(ByteBuffer host) {
    synchronized (deviceLock()) {
      exchange().copyFromHost(host);
      transfers.fromHost((long) size() * Float.BYTES, true);
      reduced = true;
    }
  }

  /**
   * The L2 norm of the gradient the next update will apply (the all-reduced one after {@link
   * #gradientsFromHost}); NaN or infinite exactly when a gradient value is.
   */
  public double gradientNorm() {
    synchronized (deviceLock()) {
      double norm;
      if (reduced) {
        norm = DeviceSgd.norm(exchange.views(), model.manager());
      } else {
        List<NDArray> grads = ownGradients();
        try {
          norm = DeviceSgd.norm(grads, model.manager());
        } finally {
          closeAll(grads);
        }
      }
      transfers.toHost(Float.BYTES, false);
      return norm;
    }
  }

  /**
   * Applies one optimizer update with the current gradient (this replica's own, or the one set by
   * {@link #gradientsFromHost}) and zeroes the accumulated gradient.
   *
   * @param norm the gradient's norm, from {@link #gradientNorm()}
   */
  public void applyUpdate(double norm) {
    synchronized (deviceLock()) {
      if (reduced) {
        optimizer.update(exchange.views(), norm);
      } else {
        List<NDArray> grads = ownGradients();
        try {
          optimizer.update(grads, norm);
        } finally {
          closeAll(grads);
        }
      }
      reduced = false;
      zeroGradientsLocked();
    }
  }

  /**
   * Applies one optimizer update with the current gradient and zeroes it.
   *
   * @return the gradient's L2 norm before clipping
   */
  public double applyUpdate() {
    synchronized (deviceLock()) {
      double norm = gradientNorm();
      applyUpdate(norm);
      return norm;
    }
  }

  /**
   * Applies one optimizer update with a given gradient (e.g. the all-reduced sum of the
   * replicas' {@link #flatGradient()}s) and zeroes this replica's own accumulated gradient. It
   * needs no prior backward pass, so a replica whose slice held no usable sample still takes the
   * same step as its peers.
   *
   * @return the gradient's L2 norm before clipping
   */
  public double applyUpdate(float[] gradient) {
    checkSize(gradient, "gradient");
    synchronized (deviceLock()) {
      exchange().copyFromHost(gradient);
      transfers.fromHost((long) gradient.length * Float.BYTES, true);
      reduced = true;
      return applyUpdate();
    }
  }

  /** The accumulated gradient, flat in parameter order (zeros before any backward). */
  public float[] flatGradient() {
    synchronized (deviceLock()) {
      float[] flat = new float[size()];
      int offset = 0;
      for (NDArray array : weights) {
        int n = Math.toIntExact(array.size());
        NDArray grad = Autograd.gradientOrNull(array);
        if (grad != null) {
          try (grad) {
            System.arraycopy(grad.toFloatArray(), 0, flat, offset, n);
          }
        }
        offset += n;
      }
      transfers.toHost((long) flat.length * Float.BYTES, true);
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
      transfers.fromHost((long) gradient.length * Float.BYTES, true);
      reduced = false;
    }
  }

  /** Zeroes the accumulated gradient. */
  public void zeroGradients() {
    synchronized (deviceLock()) {
      zeroGradientsLocked();
    }
  }

  private void zeroGradientsLocked() {
    for (NDArray w : weights) {
      Autograd.zeroGradient(w);
    }
  }

  /** The weights, flat in parameter order (a host copy). */
  public float[] flatParameters() {
    transfers.toHost((long) size() * Float.BYTES, true);
    return model.flatParameters();
  }

  /** Replaces the weights (e.g. restored from a checkpoint). */
  public void setFlatParameters(float[] values) {
    checkSize(values, "parameter vector");
    transfers.fromHost((long) values.length * Float.BYTES, true);
    model.setFlatParameters(values);
  }

  /** The step and the momentum (a host copy, for checkpoints). */
  public OptimizerState optimizerState() {
    synchronized (deviceLock()) {
      transfers.toHost((long) size() * Float.BYTES, true);
      return optimizer.state();
    }
  }

  public void restoreOptimizerState(OptimizerState state) {
    synchronized (deviceLock()) {
      transfers.fromHost((long) state.size() * Float.BYTES, true);
      optimizer.restore(state);
    }
  }

  public SgdConfig sgdConfig() {
    return config;
  }

  /** See {@link org.geodecoder.model.DeviceLocks}. */
  private Object deviceLock() {
    return org.geodecoder.model.DeviceLocks.of(model.device());
  }

  private GradientBuffer exchange() {
    if (exchange == null) {
      exchange = new GradientBuffer(weights, model.manager(), size());
    }
    return exchange;
  }

  /** The parameters' own gradient tensors (null where none); close them after use. */
  private List<NDArray> ownGradients() {
    List<NDArray> grads = new ArrayList<>(weights.size());
    for (NDArray w : weights) {
      grads.add(Autograd.gradientOrNull(w));
    }
    return grads;
  }

  private static void closeAll(List<NDArray> arrays) {
    for (NDArray a : arrays) {
      if (a != null) {
        a.close();
      }
    }
  }

  private void checkSize(float[] values, String what) {
    if (values.length != size()) {
      throw new IllegalArgumentException(
          "Expected a " + what + " of " + size() + " values, got " + values.length);
    }
  }

  @Override
  public void close() {
    synchronized (deviceLock()) {
      if (exchange != null) {
        exchange.close();
      }
      optimizer.close();
      if (ownsModel) {
        model.close();
      }
    }
  }
}
