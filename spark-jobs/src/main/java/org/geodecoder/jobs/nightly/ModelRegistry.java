package org.geodecoder.jobs.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry: every promoted model, which one is current, and every promotion decision,
 * in one directory on any Hadoop filesystem (local, HDFS, S3A):
 * <pre>
 * current                    the current version's name ("v0003"), one line, replaced atomically
 * versions/v0001/model/      the model directory (model.json + parameters) as trained
 * versions/v0001/metrics.json   its evaluation on the held-out set (evaluate's metrics.json)
 * versions/v0001/cells.parquet/ the partition it was trained on (class → cell and location)
 * versions/v0001/version.json   run, generation, cells fingerprint, held-out set, time
 * versions/v0001/_COMPLETE      written last: a version without it is an interrupted copy
 * history.jsonl              one JSON line per decision (promoted or rejected), oldest first
 * </pre>
 * {@code current} is a plain file rather than a symlink, so it works on object stores; readers
 * resolve it with {@code versions/$(cat current)/model}. Writes are idempotent per run: adding
 * the version of a run that already has one returns it, and a run's decision is appended to the
 * history once. Not safe for concurrent writers: the nightly job holds {@link RunLock} around
 * every change.
 */
public final class ModelRegistry {
  private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern VERSION = Pattern.compile("v(\\d{4,})");
  static final String CURRENT = "current";
  static final String HISTORY = "history.jsonl";
  static final String COMPLETE = "_COMPLETE";

  /** A promoted model. */
  public record Version(String name, int number, String run, int generation, String mode, String cellsFingerprint,
      String evalInput, Instant created) {}

  /** A trained model offered for promotion (paths are Hadoop URIs). */
  public record Candidate(String run, String modelDir, String metricsFile, String cellsDir, int generation, String mode,
      String cellsFingerprint, String evalInput) {}

  /** What {@link #record} did. */
  public record Outcome(PromotionPolicy.Decision decision, Optional<Version> version, Optional<Version> previous) {}

  private final FileSystem fs;
  private final Path root;
  private final Configuration conf;
  private final Clock clock;

  private ModelRegistry(FileSystem fs, Path root, Configuration conf, Clock clock) {
    this.fs = fs;
    this.root = root;
    this.conf = conf;
    this.clock = clock;
  }

  public static ModelRegistry open(String uri, Configuration conf, Clock clock) {
    Path p = new Path(uri);
    try {
      FileSystem fs = p.getFileSystem(conf);
      Path root = fs.makeQualified(p);
      HadoopFiles.mkdirs(fs, new Path(root, "versions"));
      return new ModelRegistry(fs, root, conf, clock);
    } catch (IOException e) {
      throw new JobFailedException("Cannot open the model registry " + uri + ": " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  public FileSystem fileSystem() {
    return fs;
  }

  public Path versionDir(String name) {
    return new Path(new Path(root, "versions"), name);
  }

  public Path modelDir(Version v) {
    return new Path(versionDir(v.name()), "model");
  }

  public Path metricsFile(Version v) {
    return new Path(versionDir(v.name()), "metrics.json");
  }

  public Path cellsDir(Version v) {
    return new Path(versionDir(v.name()), "cells.parquet");
  }

  /** The current version, if any. */
  public Optional<Version> current() {
    Optional<String> name = HadoopFiles.read(fs, new Path(root, CURRENT)).map(String::trim);
    if (name.isEmpty() || name.get().isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(version(name.get()).orElseThrow(() -> new JobFailedException(
        "The registry's current pointer " + new Path(root, CURRENT) + " names " + name.get()
            + ", which is not a complete version under " + new Path(root, "versions"))));
  }

  /** A complete version by name. */
  public Optional<Version> version(String name) {
    Path dir = versionDir(name);
    if (!HadoopFiles.exists(fs, new Path(dir, COMPLETE))) {
      return Optional.empty();
    }
    return HadoopFiles.read(fs, new Path(dir, "version.json")).map(text -> parseVersion(name, text));
  }

  /** Every complete version, oldest first. */
  public List<Version> versions() {
    List<Version> out = new ArrayList<>();
    for (FileStatus s : HadoopFiles.list(fs, new Path(root, "versions"))) {
      if (VERSION.matcher(s.getPath().getName()).matches()) {
        version(s.getPath().getName()).ifPresent(out::add);
      }
    }
    return out;
  }

  /** The version made from a run, if that run's model was promoted. */
  public Optional<Version> versionOfRun(String run) {
    return versions().stream().filter(v -> v.run().equals(run)).findFirst();
  }

  /** The highest generation of any version; 0 when there is none. */
  public int maxGeneration() {
    return versions().stream().mapToInt(Version::generation).max().orElse(0);
  }

  /**
   * Copies a candidate into a new version (model, metrics, cells, version.json, then
   * {@code _COMPLETE}). Idempotent: the run's existing version is returned as it is; copies
   * interrupted earlier are removed first.
   */
  public Version addVersion(Candidate c) {
    Optional<Version> existing = versionOfRun(c.run());
    if (existing.isPresent()) {
      return existing.get();
    }
    int max = 0;
    for (FileStatus s : HadoopFiles.list(fs, new Path(root, "versions"))) {
      Matcher m = VERSION.matcher(s.getPath().getName());
      if (!m.matches()) {
        continue;
      }
      if (!HadoopFiles.exists(fs, new Path(s.getPath(), COMPLETE))) {
        LOG.warn("Removing {}: an interrupted copy (no {})", s.getPath(), COMPLETE);
        HadoopFiles.delete(fs, s.getPath());
        continue;
      }
      max = Math.max(max, Integer.parseInt(m.group(1)));
    }
    String name = String.format("v%04d", max + 1);
    Version v = new Version(name, max + 1, c.run(), c.generation(), c.mode(), c.cellsFingerprint(), c.evalInput(),
        clock.instant());
    Path dir = versionDir(name);
    HadoopFiles.mkdirs(fs, dir);
    HadoopFiles.writeAtomically(fs, new Path(dir, "version.json"), versionJson(v, c));
    copyInto(c.modelDir(), new Path(dir, "model"));
    copyInto(c.metricsFile(), new Path(dir, "metrics.json"));
    if (c.cellsDir() != null) {
      copyInto(c.cellsDir(), new Path(dir, "cells.parquet"));
    }
    HadoopFiles.writeAtomically(fs, new Path(dir, COMPLETE), c.run() + "\n");
    LOG.info("Registered {} (run {}, generation {}) in {}", name, c.run(), c.generation(), dir);
    return v;
  }

  /** Points {@code current} at a version (atomic replace of one small file). */
  public void setCurrent(Version v) {
    HadoopFiles.writeAtomically(fs, new Path(root, CURRENT), v.name() + "\n");
    LOG.info("current → {}", v.name());
  }

  /** The lines of history.jsonl, oldest first. */
  public List<String> history() {
    return HadoopFiles.read(fs, new Path(root, HISTORY))
        .map(t -> t.lines().filter(l -> !l.isBlank()).toList()).orElse(List.of());
  }

  /** Whether the history already holds a decision of this run. */
  public boolean hasHistoryFor(String run) {
    for (String line : history()) {
      try {
        if (run.equals(JSON.readTree(line).path("run").asText())) {
          return true;
        }
      } catch (IOException e) {
        throw new JobFailedException("Unreadable line in " + new Path(root, HISTORY) + ": " + line, e);
      }
    }
    return false;
  }

  /**
   * Applies a promotion decision: on promotion, adds the candidate as a version and points
   * {@code current} at it; in every case appends the decision to the history (once per run).
   * Idempotent: calling it again for the same run (after a crash anywhere inside) completes
   * what is missing and changes nothing else.
   *
   * @param previous the current version the candidate was compared with
   */
  public Outcome record(Candidate c, PromotionPolicy.Decision d, Optional<Version> previous, PromotionPolicy policy) {
    Optional<Version> version = Optional.empty();
    if (d.promoted()) {
      Version v = addVersion(c);
      if (!current().map(Version::name).orElse("").equals(v.name())) {
        setCurrent(v);
      }
      version = Optional.of(v);
    }
    if (!hasHistoryFor(c.run())) {
      appendHistory(historyLine(c, d, version, previous, policy));
    }
    return new Outcome(d, version, previous);
  }

  /** Appends one line (rewriting the small file atomically: object stores cannot append). */
  void appendHistory(String line) {
    Path file = new Path(root, HISTORY);
    String before = HadoopFiles.read(fs, file).orElse("");
    if (!before.isEmpty() && !before.endsWith("\n")) {
      before += "\n";
    }
    HadoopFiles.writeAtomically(fs, file, before + line + "\n");
  }

  String historyLine(Candidate c, PromotionPolicy.Decision d, Optional<Version> version, Optional<Version> previous,
      PromotionPolicy policy) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", clock.instant().toString());
    m.put("run", c.run());
    m.put("decision", d.promoted() ? "promoted" : "rejected");
    m.put("version", version.map(Version::name).orElse(null));
    m.put("previous", previous.map(Version::name).orElse(null));
    m.put("generation", c.generation());
    m.put("mode", c.mode());
    m.put("margin_points", policy.marginPoints());
    List<Object> th = new ArrayList<>();
    for (double km : policy.thresholdsKm()) {
      th.add(number(km));
    }
    m.put("thresholds_km", th);
    m.put("reason", d.reason());
    List<Object> comparisons = new ArrayList<>();
    for (PromotionPolicy.Comparison x : d.comparisons()) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("dataset", x.dataset());
      e.put("threshold_km", number(x.thresholdKm()));
      e.put("candidate_percent", round(x.candidatePercent()));
      e.put("current_percent", x.currentPercent() == null ? null : round(x.currentPercent()));
      e.put("delta_points", x.deltaPoints() == null ? null : round(x.deltaPoints()));
      comparisons.add(e);
    }
    m.put("comparisons", comparisons);
    m.put("candidate_model", c.modelDir());
    m.put("candidate_metrics", c.metricsFile());
    try {
      return JSON.writeValueAsString(m);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Object number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? (Object) (long) v : (Object) v;
  }

  /** Percentages to 1e-4 points: enough for any held-out set, free of binary noise. */
  private static double round(double v) {
    return Math.round(v * 1e4) / 1e4;
  }

  private void copyInto(String src, Path dst) {
    Path s = new Path(src);
    try {
      HadoopFiles.copy(s.getFileSystem(conf), s, fs, dst, conf);
    } catch (IOException e) {
      throw new JobFailedException("Cannot copy " + src + " into the registry: " + e.getMessage(), e);
    }
  }

  private static String versionJson(Version v, Candidate c) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("version", v.name());
    m.put("run", v.run());
    m.put("generation", v.generation());
    m.put("mode", v.mode());
    m.put("cells_fingerprint", v.cellsFingerprint());
    m.put("eval_input", v.evalInput());
    m.put("created", v.created().toString());
    m.put("source_model", c.modelDir());
    try {
      return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private Version parseVersion(String name, String text) {
    try {
      JsonNode n = JSON.readTree(text);
      Matcher m = VERSION.matcher(name);
      if (!m.matches()) {
        throw new IllegalArgumentException("bad version name " + name);
      }
      return new Version(name, Integer.parseInt(m.group(1)), n.path("run").asText(), n.path("generation").asInt(),
          n.path("mode").asText(), n.path("cells_fingerprint").asText(), n.path("eval_input").asText(),
          Instant.parse(n.path("created").asText()));
    } catch (IOException | RuntimeException e) {
      throw new JobFailedException("Unreadable " + new Path(versionDir(name), "version.json") + ": " + e.getMessage(), e);
    }
  }
}
