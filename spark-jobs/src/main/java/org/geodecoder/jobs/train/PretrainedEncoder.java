package org.geodecoder.jobs.train;

import ai.djl.Device;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.io.ImportReport;
import org.geodecoder.model.io.SwinTensorNames;
import org.geodecoder.model.io.SwinWeightImporter;

/**
 * {@code --encoder-weights}: on the driver, a fresh model from {@code --seed} whose encoder is
 * filled (strictly) from a pretrained Swin {@code .safetensors} file is written as the run's
 * starting model {@code encoder-init/}, which every replica then loads like an {@code --init}
 * model. Doing it once on the driver checks the file before any Spark stage starts and gives
 * every replica the same decoder initialisation whatever its device.
 */
final class PretrainedEncoder {
  /** The starting model's directory inside the run directory. */
  static final String DIR = "encoder-init";

  private PretrainedEncoder() {}

  /** What train-config.json records about the file. */
  record Imported(String modelUri, Map<String, Object> record) {}

  /**
   * @throws JobFailedException naming the file and, for a file that does not fit the preset, the
   *     first tensor whose shape differs or the parameters it lacks
   */
  static Imported write(String weightsUri, ModelConfig config, long seed, String runUri, Configuration conf) {
    Path src = new Path(weightsUri);
    java.nio.file.Path local = null;
    try (GeoModel model = GeoModel.create(config, Device.cpu(), seed)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      ImportReport report;
      FileSystem fs = src.getFileSystem(conf);
      try (InputStream in = new DigestInputStream(new BufferedInputStream(fs.open(src), 1 << 20), sha)) {
        report = SwinWeightImporter.importInto(model, in, weightsUri, true);
        in.transferTo(java.io.OutputStream.nullOutputStream()); // hash the whole file, padding included
      }
      String naming = report.filled().values().stream().anyMatch(n -> n.startsWith("features."))
          ? SwinTensorNames.Naming.TORCHVISION.name() : SwinTensorNames.Naming.TIMM.name();
      local = java.nio.file.Files.createTempDirectory("geodecoder-encoder-init");
      model.save(local);
      Path target = new Path(runUri, DIR);
      FileSystem out = target.getFileSystem(conf);
      out.delete(target, true);
      out.copyFromLocalFile(false, true, new Path(local.toUri()), target);
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("uri", weightsUri);
      record.put("sha256", HexFormat.of().formatHex(sha.digest()));
      record.put("naming", naming.toLowerCase(java.util.Locale.ROOT));
      record.put("encoder", config.encoder().name());
      record.put("parameters_filled", report.filled().size());
      record.put("tensors_ignored", report.ignored().keySet());
      return new Imported(target.toString(), record);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException("--encoder-weights " + e.getMessage(), e);
    } catch (java.io.FileNotFoundException e) {
      throw new JobFailedException("--encoder-weights " + weightsUri + " does not exist", e);
    } catch (IOException | java.io.UncheckedIOException e) {
      throw new JobFailedException("Cannot read --encoder-weights " + weightsUri + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } finally {
      CheckpointStore.deleteLocal(local);
    }
  }
}
