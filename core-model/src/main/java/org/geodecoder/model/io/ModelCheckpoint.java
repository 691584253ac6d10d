package org.geodecoder.model.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;

/**
 * Model checkpoints: a directory with {@code model.json} ({@link ModelConfigJson}) and {@code
 * parameters.safetensors}, one float32 tensor per parameter named by its {@link
 * GeoModel#parameterNames() key}. Loading is exact: a reloaded model computes bitwise the same
 * outputs. Files are written to a temporary name and moved into place, so a crash never leaves
 * a half-written checkpoint under the final names.
 */
public final class ModelCheckpoint {
  public static final String CONFIG_FILE = "model.json";
  public static final String PARAMETERS_FILE = "parameters.safetensors";

  private ModelCheckpoint() {}

  public static void save(GeoModel model, Path directory) {
    try (Snapshot snapshot = snapshot(model)) {
      snapshot.save(directory);
    }
  }

  /**
   * A host copy of the model's parameters and its config, to be written later, e.g. on another
   * thread while training goes on; writes exactly what {@link #save(GeoModel, Path)} would have
   * written at the moment of the snapshot. The caller serialises this call with the model's use.
   */
  public static Snapshot snapshot(GeoModel model) {
    NDManager host = NDManager.newBaseManager(Device.cpu(), "PyTorch");
    try {
      NDList list = new NDList();
      List<String> names = model.parameterNames();
      for (int i = 0; i < names.size(); i++) {
        NDArray array = model.parameters().get(i).getArray();
        // a copy even on the CPU (toDevice would return the array itself): training goes on in place
        NDArray copy = array.getDevice().equals(Device.cpu()) ? array.duplicate() : array.toDevice(Device.cpu(), true);
        copy.attach(host);
        copy.setName(names.get(i));
        list.add(copy);
      }
      return new Snapshot(model.config(), list, host);
    } catch (RuntimeException e) {
      host.close();
      throw e;
    }
  }

  /** See {@link #snapshot(GeoModel)}; close it to free the copy. */
  public static final class Snapshot implements AutoCloseable {
    private final ModelConfig config;
    private final NDList parameters;
    private final NDManager manager;

    private Snapshot(ModelConfig config, NDList parameters, NDManager manager) {
      this.config = config;
      this.parameters = parameters;
      this.manager = manager;
    }

    /** Writes {@code model.json} and {@code parameters.safetensors} into {@code directory}. */
    public void save(Path directory) {
      try {
        Files.createDirectories(directory);
        writeAtomically(
            directory.resolve(CONFIG_FILE),
            os -> os.write(ModelConfigJson.toJson(config).getBytes(StandardCharsets.UTF_8)));
        writeAtomically(
            directory.resolve(PARAMETERS_FILE), os -> parameters.encode(os, NDList.Encoding.SAFETENSORS));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write checkpoint to " + directory, e);
      }
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  public static ModelConfig readConfig(Path directory) {
    Path file = directory.resolve(CONFIG_FILE);
    try {
      return ModelConfigJson.fromJson(Files.readString(file, StandardCharsets.UTF_8), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /**
   * @throws IllegalArgumentException if a parameter is missing, extra or has another shape
   */
  public static GeoModel load(Path directory, Device device) {
    ModelConfig config = readConfig(directory);
    GeoModel model = GeoModel.create(config, device, 0);
    try {
      loadParameters(model, directory.resolve(PARAMETERS_FILE));
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }

  /** Reads named tensors into the model's parameters, strictly (all and only its names). */
  public static void loadParameters(GeoModel model, Path file) {
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
      SafetensorsCheck.check(in, Files.size(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
      NDList list = NDList.decode(m, is);
      Map<String, NDArray> byName = new HashMap<>();
      for (NDArray a : list) {
        byName.put(a.getName(), a);
      }
      TreeSet<String> missing = new TreeSet<>();
      List<String> names = model.parameterNames();
      for (int i = 0; i < names.size(); i++) {
        NDArray stored = byName.remove(names.get(i));
        Parameter p = model.parameters().get(i);
        if (stored == null) {
          missing.add(names.get(i));
          continue;
        }
        if (!stored.getShape().equals(p.getArray().getShape())) {
          throw new IllegalArgumentException(
              String.format(
                  "%s: parameter %s has shape %s, the model expects %s",
                  file, names.get(i), stored.getShape(), p.getArray().getShape()));
        }
        p.getArray().set(stored.toFloatArray());
      }
      if (!missing.isEmpty() || !byName.isEmpty()) {
        throw new IllegalArgumentException(
            String.format(
                "%s does not match the model: missing %s, unexpected %s",
                file, missing, new TreeSet<>(byName.keySet())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  private interface Writer {
    void write(OutputStream os) throws IOException;
  }

  private static void writeAtomically(Path target, Writer writer) throws IOException {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(tmp))) {
      writer.write(os);
    }
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
