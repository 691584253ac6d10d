package org.geodecoder.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.nn.Autocast;
import org.geodecoder.model.nn.DropPath;

/**
 * A {@link GeoLocalizer} with its parameters on one device: the unit that trainers, the
 * predictor and checkpoints work with. Not thread-safe; one per thread (each Spark task builds
 * its own).
 *
 * <p>Parameters are ordered as {@code getParameters()} lists them; {@link #parameterNames()} are
 * the checkpoint keys, and the flat vectors of {@link #flatParameters()} concatenate them in that
 * order.
 */
public final class GeoModel implements AutoCloseable {
  private final ModelConfig config;
  private final Device device;
  private final NDManager manager;
  private final GeoLocalizer network;
  private final List<String> names;
  private final List<Parameter> parameters;
  private final long size;
  private final Set<Parameter> productParameters;

  private GeoModel(ModelConfig config, Device device, long seed) {
    this.config = config;
    this.device = device;
    this.manager = NDManager.newBaseManager(device, "PyTorch");
    this.network = new GeoLocalizer(config);
    network.setInitializer(new SeededInitializer(seed, 0.02), Parameter.Type.WEIGHT);
    network.initialize(manager, DataType.FLOAT32, inputShape(1));
    List<String> n = new ArrayList<>();
    List<Parameter> p = new ArrayList<>();
    long total = 0;
    for (Pair<String, Parameter> pair : network.getParameters()) {
      n.add(pair.getKey());
      p.add(pair.getValue());
      total += pair.getValue().getArray().size();
    }
    this.names = Collections.unmodifiableList(n);
    this.parameters = Collections.unmodifiableList(p);
    this.size = total;
    this.productParameters = Autocast.productParameters(network);
  }

  /**
   * A freshly initialised model (timm's init from {@code seed}; same seed, same weights).
   *
   * @param device where parameters and activations live, e.g. {@code DeviceSpec.parse("gpu:1")}
   */
  public static GeoModel create(ModelConfig config, Device device, long seed) {
    synchronized (DeviceLocks.of(device)) {
      return new GeoModel(config, device, seed);
    }
  }

  /** Loads a checkpoint directory written by {@link #save}; see {@link ModelCheckpoint}. */
  public static GeoModel load(Path directory, Device device) {
    return ModelCheckpoint.load(directory, device);
  }

  /** Writes {@code model.json} and {@code parameters.safetensors} into {@code directory}. */
  public void save(Path directory) {
    ModelCheckpoint.save(this, directory);
  }

  /** Input shape for a batch: {@code [B, 3, I, I]}. */
  public Shape inputShape(long batch) {
    int i = config.imageSize();
    return new Shape(batch, config.encoder().inChannels(), i, i);
  }

  public ModelConfig config() {
    return config;
  }

  public Device device() {
    return device;
  }

  /** Manager of the parameters; create batch arrays in a sub-manager of it. */
  public NDManager manager() {
    return manager;
  }

  public GeoLocalizer network() {
    return network;
  }

  public List<String> parameterNames() {
    return names;
  }

  public List<Parameter> parameters() {
    return parameters;
  }

  /** Number of scalar parameters. */
  public long parameterCount() {
    return size;
  }

  /**
   * Runs the network in the precision of {@link ModelConfig#precision()}. The caller owns the
   * returned arrays (they live in the images' manager); they are fp32 in either precision.
   *
   * @param images {@code [B, 3, I, I]}, normalised, on this model's device
   * @param training training mode (stochastic depth active)
   * @param random draws the stochastic-depth masks; required in training when the preset drops
   *     paths, may be null otherwise
   * @return {@code NDList(sceneLogits [B, S], logits_h [B, S, K_h] …)}
   */
  public NDList forward(NDArray images, boolean training, Random random) {
    return forward(images, training, DropPath.RANDOM_KEY, random);
  }

  /**
   * Runs the network with stochastic-depth masks drawn per sample from {@code keys} (so a
   * sample's masks do not depend on its batch or slot). See {@link #forward(NDArray, boolean,
   * Random)}.
   */
  public NDList forward(NDArray images, boolean training, DropPath.SampleKeys keys) {
    return forward(images, training, DropPath.SAMPLE_KEYS_KEY, keys);
  }

  private NDList forward(NDArray images, boolean training, String drawKey, Object draws) {
    return forward(images, training, drawKey, draws, config.precision());
  }

  private NDList forward(
      NDArray images, boolean training, String drawKey, Object draws, Precision precision) {
    Shape expected = inputShape(images.getShape().get(0));
    if (!images.getShape().equals(expected)) {
      throw new IllegalArgumentException(
          "Expected images " + expected + " for " + config.encoder().name() + ", got "
              + images.getShape());
    }
    PairList<String, Object> params = new PairList<>();
    if (draws != null) {
      params.add(drawKey, draws);
    }
    ParameterStore ps = parameterStore(images.getManager(), precision);
    NDList out = network.forward(ps, new NDList(images), training, params);
    return precision == Precision.FP32 ? out : Autocast.float32(out); // the loss runs in fp32
  }

  /** Inference forward pass without recording gradients, in {@link ModelConfig#precision()}. */
  public NDList predict(NDArray images) {
    return predict(images, config.precision());
  }

  /** Inference forward pass without recording gradients, in {@code precision}; fp32 outputs. */
  public NDList predict(NDArray images, Precision precision) {
    return Autograd.withGrad(
        false, () -> forward(images, false, DropPath.RANDOM_KEY, null, precision));
  }

  /** A parameter store that hands out the parameter arrays themselves (no copies): fp32. */
  public ParameterStore parameterStore() {
    return new ParameterStore(manager, false);
  }

  /**
   * The parameter store of one forward pass in {@code precision}: {@link #parameterStore()} for
   * fp32, an {@link Autocast} for bf16 (its weight casts live in {@code activations}).
   */
  public ParameterStore parameterStore(NDManager activations, Precision precision) {
    if (precision == Precision.FP32) {
      return parameterStore();
    }
    return new Autocast(manager, productParameters, activations);
  }

  /** All parameters, concatenated in {@link #parameterNames()} order. */
  public float[] flatParameters() {
    synchronized (DeviceLocks.of(device)) {
      return flatParametersLocked();
    }
  }

  private float[] flatParametersLocked() {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalStateException("Model too large for one float[]: " + size);
    }
    float[] flat = new float[(int) size];
    int offset = 0;
    for (Parameter p : parameters) {
      float[] values = p.getArray().toFloatArray();
      System.arraycopy(values, 0, flat, offset, values.length);
      offset += values.length;
    }
    return flat;
  }

  /** Replaces every parameter's values (exactly) from a flat vector. */
  public void setFlatParameters(float[] flat) {
    synchronized (DeviceLocks.of(device)) {
      setFlatParametersLocked(flat);
    }
  }

  private void setFlatParametersLocked(float[] flat) {
    if (flat.length != size) {
      throw new IllegalArgumentException(
          "Expected " + size + " parameter values, got " + flat.length);
    }
    int offset = 0;
    for (Parameter p : parameters) {
      NDArray array = p.getArray();
      int n = Math.toIntExact(array.size());
      array.set(Arrays.copyOfRange(flat, offset, offset + n));
      offset += n;
    }
  }

  @Override
  public void close() {
    synchronized (DeviceLocks.of(device)) {
      manager.close();
    }
  }
}
