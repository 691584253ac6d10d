package org.geodecoder.jobs.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.OutputCommit;

/**
 * A training run's directory on any Hadoop file system: {@code train-config.json} (the options
 * that shape the trajectory, checked on resume), {@code checkpoints/}, {@code metrics.jsonl},
 * {@code progress.json}, and at the end {@code model/} and {@code summary.json}.
 */
final class RunDirectory {
  static final String CONFIG = "train-config.json";
  static final String METRICS = "metrics.jsonl";
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path root;
  private final Configuration conf;
  private final FileSystem fs;
  /** A new run's pending output ({@link OutputCommit}); null when resuming in place. */
  private final OutputCommit.Attempt attempt;

  private RunDirectory(Path root, Configuration conf, OutputCommit.Attempt attempt) throws IOException {
    this.fs = root.getFileSystem(conf);
    this.root = fs.makeQualified(root);
    this.conf = conf;
    this.attempt = attempt;
  }

  /**
   * Opens the run directory, before any work: the output must not overlap an input; a new run
   * needs an absent or empty directory (then it runs in place, so that {@code --resume} finds
   * its checkpoints) or {@code overwrite} (then it runs in a hidden sibling that replaces the
   * old run only when training succeeded: {@link #commit}); a resumed run needs the same
   * trajectory options as the run that wrote it.
   *
   * @param inputs option → input path, none of which the output may equal, contain or lie in
   */
  static RunDirectory open(String uri, Configuration conf, boolean overwrite, boolean resume, Map<String, String> trajectory,
      Map<String, String> inputs) {
    OutputCommit.refuseOverlap(conf, "--output", uri, inputs);
    try {
      RunDirectory dir = new RunDirectory(new Path(uri), conf, null);
      FileSystem fs = dir.fs;
      Path cfg = new Path(dir.root, CONFIG);
      boolean exists = fs.exists(dir.root);
      boolean empty = !exists || fs.listStatus(dir.root).length == 0;
      if (empty || overwrite) {
        OutputCommit.Attempt a = OutputCommit.begin(conf, uri, overwrite, "--output", inputs, true);
        return new RunDirectory(a.dir(), conf, a);
      } else if (!resume) {
        throw new JobFailedException("Run directory " + dir.root + " (--output) already holds a run; pass --resume true to "
            + "continue it from its latest checkpoint, --overwrite true to start afresh, or choose another --output");
      } else if (fs.exists(cfg)) {
        Map<?, ?> recorded = JSON.readValue(dir.read(CONFIG), Map.class);
        Object before = withLaterDefaults(recorded.get("trajectory"), trajectory);
        if (!trajectory.equals(before)) {
          throw new JobFailedException("Cannot resume " + dir.root + ": it was started with " + before + " but this run has "
              + trajectory + "; resume with the same values or use another --output");
        }
      }
      return dir;
    } catch (IOException e) {
      throw new JobFailedException("Cannot prepare run directory " + uri + " (--output): " + e.getMessage(), e);
    }
  }

  /**
   * Trajectory options added after runs were already recorded, with the value those runs used
   * implicitly: a run recorded without the key resumes when this run asks for that value.
   */
  static final Map<String, String> ADDED_LATER = Map.of("precision", "fp32", "sync-precision", "fp32");

  private static Object withLaterDefaults(Object recorded, Map<String, String> trajectory) {
    if (!(recorded instanceof Map<?, ?> before)) {
      return recorded;
    }
    Map<Object, Object> filled = new java.util.LinkedHashMap<>(before);
    ADDED_LATER.forEach((k, v) -> {
      if (!filled.containsKey(k) && v.equals(trajectory.get(k))) {
        filled.put(k, v);
      }
    });
    return filled;
  }

  static RunDirectory open(String uri, Configuration conf, boolean overwrite, boolean resume, Map<String, String> trajectory) {
    return open(uri, conf, overwrite, resume, trajectory, Map.of());
  }

  /** Where the run appears once committed (its own directory for a new or resumed run). */
  String finalUri() {
    return attempt == null ? root.toString() : attempt.target().toString();
  }

  /** After success: an overwriting run replaces the old one; every finished run gets its marker. */
  void commit() {
    if (attempt != null) {
      attempt.commit("train");
    } else {
      try {
        fs.delete(new Path(root, OutputCommit.ATTEMPT_FILE), false);
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot write to " + root, e);
      }
      write(OutputCommit.MARKER, "{\"job\": \"train\", \"committed\": \"" + java.time.Instant.now() + "\"}\n");
    }
  }

  /** Before any training: drops a run directory this run created and nothing was written to yet. */
  void abandon() {
    if (attempt != null) {
      attempt.abort();
    }
  }

  Path root() {
    return root;
  }

  String uri() {
    return root.toString();
  }

  boolean has(String name) {
    try {
      return fs.exists(new Path(root, name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String read(String name) {
    try (InputStream in = fs.open(new Path(root, name))) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + new Path(root, name), e);
    }
  }

  void write(String name, String content) {
    Path p = new Path(root, name);
    try (OutputStream out = fs.create(p, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + p, e);
    }
  }

  void writeJson(String name, Object value) {
    try {
      write(name, JSON.writeValueAsString(value) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot serialize " + name, e);
    }
  }

  /**
   * Appends lines to {@code metrics.jsonl} (rewritten whole: object stores cannot append; the
   * file holds one line per step and stays small).
   */
  void appendMetrics(List<String> lines) {
    StringBuilder all = new StringBuilder(has(METRICS) ? read(METRICS) : "");
    for (String l : lines) {
      all.append(l).append('\n');
    }
    write(METRICS, all.toString());
  }

  /** Keeps the metrics lines of epochs before {@code epoch} (0-based), e.g. when resuming it. */
  void keepMetricsBefore(int epoch) {
    if (!has(METRICS)) {
      return;
    }
    StringBuilder kept = new StringBuilder();
    for (String line : read(METRICS).split("\n")) {
      try {
        if (!line.isBlank() && JSON.readTree(line).path("epoch").asInt(Integer.MAX_VALUE) <= epoch) {
          kept.append(line).append('\n');
        }
      } catch (IOException e) {
        // an unreadable line (e.g. cut by a crash) is dropped
      }
    }
    write(METRICS, kept.toString());
  }

  /** Copies a checkpoint's model directory to {@code model/} (the run's final model). */
  void publishModel(Path checkpoint) {
    Path target = new Path(root, "model");
    try {
      if (fs.exists(target)) {
        fs.delete(target, true);
      }
      FileSystem src = checkpoint.getFileSystem(conf);
      if (!FileUtil.copy(src, new Path(checkpoint, "model"), fs, target, false, conf)) {
        throw new IOException("copy returned false");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy the final model from " + checkpoint + " to " + target, e);
    }
  }

  /** Modification time of a file, or -1 when absent. */
  long modified(String name) {
    try {
      FileStatus s = fs.getFileStatus(new Path(root, name));
      return s.getModificationTime();
    } catch (java.io.FileNotFoundException e) {
      return -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
