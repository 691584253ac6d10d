package org.geodecoder.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.train.OptimizerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoints of a run under {@code <run>/checkpoints/step-NNNNNNNNNN/} on any Hadoop file
 * system: {@code model/} (a loadable model directory), {@code optimizer.bin} (momentum and update
 * count), {@code state.json} ({@link TrainState}), {@code steps.jsonl} (the metrics lines of the
 * epoch so far) and, written last, {@code _COMMITTED}.
 *
 * <p>Atomicity: files go to a temporary sibling first, which is renamed into place and only then
 * marked committed; readers ignore directories without the marker, so a writer killed at any
 * point leaves the previous checkpoint as the latest (on S3A, where rename is a copy, the marker
 * is what makes it safe). The newest {@code keep} committed checkpoints are kept.
 */
public final class CheckpointStore {
  private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
  private static final Pattern NAME = Pattern.compile("step-(\\d{10})");
  static final String COMMITTED = "_COMMITTED";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path root;
  private final Configuration conf;

  public CheckpointStore(String runUri, Configuration conf) {
    this.root = new Path(runUri, "checkpoints");
    this.conf = conf;
  }

  /** A committed checkpoint's location and step. */
  public record Ref(Path path, long step) {}

  /** What a replica needs to continue from a checkpoint. */
  public record Loaded(TrainState state, OptimizerState optimizer, List<String> stepLines, java.nio.file.Path modelDir) {}

  public Optional<Ref> latest() {
    List<Ref> all = committed();
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Committed checkpoints, oldest first. */
  public List<Ref> committed() {
    try {
      FileSystem fs = root.getFileSystem(conf);
      if (!fs.exists(root)) {
        return List.of();
      }
      List<Ref> out = new ArrayList<>();
      for (FileStatus s : fs.listStatus(root)) {
        Matcher m = NAME.matcher(s.getPath().getName());
        if (s.isDirectory() && m.matches() && fs.exists(new Path(s.getPath(), COMMITTED))) {
          out.add(new Ref(s.getPath(), Long.parseLong(m.group(1))));
        }
      }
      out.sort(Comparator.comparingLong(Ref::step));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list checkpoints in " + root, e);
    }
  }

  /** Writes a checkpoint after {@code state.step()} updates, then prunes to the newest {@code keep}. */
  public Ref write(TrainState state, GeoModel model, OptimizerState optimizer, List<String> stepLines, int keep) {
    try (ModelCheckpoint.Snapshot snapshot = ModelCheckpoint.snapshot(model)) {
      return write(state, snapshot, optimizer, stepLines, keep);
    }
  }

  /**
   * Writes a checkpoint from a snapshot of the model (any thread: nothing here touches the live
   * model), then prunes to the newest {@code keep}.
   */
  public Ref write(TrainState state, ModelCheckpoint.Snapshot model, OptimizerState optimizer, List<String> stepLines,
      int keep) {
    java.nio.file.Path local = null;
    try {
      local = Files.createTempDirectory("geodecoder-ckpt");
      model.save(local.resolve("model"));
      try (DataOutputStream out = new DataOutputStream(
          new java.io.BufferedOutputStream(Files.newOutputStream(local.resolve("optimizer.bin"))))) {
        optimizer.writeTo(out);
      }
      Files.writeString(local.resolve("state.json"), JSON.writeValueAsString(state));
      Files.write(local.resolve("steps.jsonl"), stepLines, StandardCharsets.UTF_8);

      FileSystem fs = root.getFileSystem(conf);
      Path target = new Path(root, String.format("step-%010d", state.step()));
      Path tmp = new Path(root, "_tmp-" + target.getName() + "-" + UUID.randomUUID());
      fs.mkdirs(root);
      fs.copyFromLocalFile(false, true, new Path(local.toUri()), tmp);
      if (fs.exists(target)) {
        fs.delete(target, true); // an uncommitted leftover of a killed writer
      }
      if (!fs.rename(tmp, target)) {
        throw new IOException("Cannot rename " + tmp + " to " + target);
      }
      try (OutputStream marker = fs.create(new Path(target, COMMITTED), true)) {
        marker.write(Long.toString(state.step()).getBytes(StandardCharsets.UTF_8));
      }
      prune(fs, keep);
      return new Ref(target, state.step());
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write checkpoint of step " + state.step() + " under " + root, e);
    } finally {
      deleteLocal(local);
    }
  }

  /** Copies a checkpoint to a local directory (the caller deletes it) and reads it. */
  public Loaded load(Ref ref) {
    try {
      java.nio.file.Path local = Files.createTempDirectory("geodecoder-resume");
      FileSystem fs = ref.path().getFileSystem(conf);
      fs.copyToLocalFile(false, ref.path(), new Path(local.toUri()), true);
      java.nio.file.Path dir = local.resolve(ref.path().getName());
      TrainState state = JSON.readValue(Files.readString(dir.resolve("state.json")), TrainState.class);
      OptimizerState optimizer;
      try (InputStream in = Files.newInputStream(dir.resolve("optimizer.bin"));
          DataInputStream data = new DataInputStream(new java.io.BufferedInputStream(in))) {
        optimizer = OptimizerState.readFrom(data);
      }
      List<String> lines = Files.readAllLines(dir.resolve("steps.jsonl"), StandardCharsets.UTF_8);
      return new Loaded(state, optimizer, lines, dir.resolve("model"));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read checkpoint " + ref.path(), e);
    }
  }

  private void prune(FileSystem fs, int keep) throws IOException {
    List<Ref> all = committed();
    for (int i = 0; i < all.size() - keep; i++) {
      fs.delete(all.get(i).path(), true);
    }
    for (FileStatus s : fs.listStatus(root)) {
      String name = s.getPath().getName();
      boolean stale = name.startsWith("_tmp-") || (NAME.matcher(name).matches() && !fs.exists(new Path(s.getPath(), COMMITTED)));
      if (stale && s.getModificationTime() < System.currentTimeMillis() - 60_000) {
        LOG.info("Removing the leftover of an interrupted checkpoint write: {}", s.getPath());
        fs.delete(s.getPath(), true);
      }
    }
  }

  static void deleteLocal(java.nio.file.Path dir) {
    if (dir == null) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("Cannot delete temporary directory {}: {}", dir, e.toString());
    }
  }
}
