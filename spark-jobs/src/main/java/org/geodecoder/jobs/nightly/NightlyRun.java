package org.geodecoder.jobs.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobCatalog;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.nightly.ModelRegistry.Version;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One nightly run: ingest → partition → train → evaluate → promote, under the registry's
 * {@link RunLock}, each step recorded by a marker file when it completed.
 *
 * <p>Work directory layout (any Hadoop filesystem):
 * <pre>
 * watermark.json                   manifests ingested so far ({@link Watermark})
 * data/shards/BATCH--part-*.parquet  every ingested image (ingest's shards), one flat table
 * data/locations/BATCH--part-*.parquet  id, lat, lon of the same rows (partition's input)
 * runs/ACTIVE                      the id of the run not finished yet (absent when none)
 * runs/RUN/steps/STEP.json         marker: the step completed, with its results
 * runs/RUN/steps/ingest/BATCH.json marker per ingested manifest
 * runs/RUN/ingest/BATCH/           ingest output (summary.json, rejects/)
 * runs/RUN/partition/              partition output (cells.parquet, labels.parquet, ...)
 * runs/RUN/train/                  train output (model/, checkpoints/, metrics.jsonl, ...)
 * runs/RUN/eval/TAG-score/         score output on the held-out set (predictions/, rejects/, summary.json)
 * runs/RUN/eval/TAG/               its evaluation (metrics.json, report); TAG: candidate, current
 * runs/RUN/finished.json           the run's outcome
 * </pre>
 *
 * <p>Idempotence: a step with a marker is skipped; a step without one starts by removing what an
 * interrupted attempt may have left (its output directory, a batch's files in {@code data/}),
 * except training, which resumes from its checkpoints. Markers are written only after the
 * step's effects are complete, and the watermark only after a batch's files are in place, so a
 * run killed at any point and started again converges to the state of an uninterrupted run. A
 * new run starts only when the previous one finished; until then every start resumes it.
 */
final class NightlyRun {
  private static final Logger LOG = LoggerFactory.getLogger(NightlyRun.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final Pattern RUN_ID = Pattern.compile("run-(\\d{4,})-.*");
  private static final DateTimeFormatter RUN_TIME = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  static final String INGEST = "ingest";
  static final String PARTITION = "partition";
  static final String TRAIN = "train";
  static final String EVALUATE = "evaluate";
  static final String PROMOTE = "promote";
  static final List<String> STEPS = List.of(INGEST, PARTITION, TRAIN, EVALUATE, PROMOTE);
  /** Dataset name of the held-out set in evaluations (metrics.json). */
  static final String HELDOUT = "heldout";
  static final String EVALUATE_THRESHOLDS_DEFAULT = "1,25,200,750,2500";

  private final SparkSession spark;
  private final NightlyOptions o;
  private final JobCatalog jobs;
  private final Clock clock;
  private final FileSystem fs;
  private final Path work;
  private final ModelRegistry registry;
  private final PromotionPolicy policy;
  private final List<String> stepsRun = new ArrayList<>();
  private final List<String> stepsSkipped = new ArrayList<>();
  private RunLock lock;
  private String run;
  private Path runDir;

  NightlyRun(SparkSession spark, NightlyOptions o, JobCatalog jobs, Clock clock) {
    this.spark = spark;
    this.o = o;
    this.jobs = jobs;
    this.clock = clock;
    Path w = new Path(o.workDir());
    try {
      this.fs = w.getFileSystem(spark.sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new JobFailedException("Cannot open --work-dir " + o.workDir() + ": " + e.getMessage(), e);
    }
    this.work = fs.makeQualified(w);
    this.registry = ModelRegistry.open(o.registry(), spark.sparkContext().hadoopConfiguration(), clock);
    this.policy = new PromotionPolicy(o.promoteThresholdsKm(), o.marginPoints());
  }

  NightlyRetrainJob.Result run() {
    LOG.info("nightly: options {}", o.resolved());
    requireJobs();
    Path lockFile = new Path(registry.root(), "lock");
    try (RunLock l = RunLock.acquire(registry.fileSystem(), lockFile, o.lockTimeout(), "--lock-timeout-h",
        RunLock.Holder.thisProcess(clock), clock)) {
      this.lock = l;
      Optional<String> active = activeRun();
      if (active.isPresent() && o.abandonActive()) {
        abandon(active.get());
        active = Optional.empty();
      }
      if (active.isEmpty() && !o.force() && registry.current().isPresent() && newManifests().isEmpty()) {
        LOG.info("nightly: no new manifest matches {} and the current model is {}: nothing to do",
            o.manifests(), registry.current().get().name());
        return new NightlyRetrainJob.Result(null, "no-new-data", List.of(), List.of(), null, null, null);
      }
      run = active.orElseGet(this::startRun);
      runDir = new Path(runsDir(), run);
      LOG.info("nightly: {} run {} in {}", active.isPresent() ? "resuming" : "starting", run, runDir);
      for (String step : STEPS) {
        lock.verify();
        if (marker(step).isPresent()) {
          stepsSkipped.add(step);
          LOG.info("nightly {}: step {} already done", run, step);
        } else {
          long t0 = System.nanoTime();
          Map<String, Object> result = execute(step);
          mark(step, result);
          stepsRun.add(step);
          LOG.info("nightly {}: step {} done in {} s: {}", run, step, String.format("%.1f", (System.nanoTime() - t0) / 1e9), result);
        }
        if (step.equals(INGEST) && nothingNew()) {
          return finish("no-new-data");
        }
        if (step.equals(o.stopAfter()) && !step.equals(PROMOTE)) {
          LOG.info("nightly {}: stopping after step {} (--stop-after); the next run resumes with step {}", run, step,
              STEPS.get(STEPS.indexOf(step) + 1));
          return new NightlyRetrainJob.Result(run, "stopped", stepsRun, stepsSkipped, null, null, null);
        }
      }
      JsonNode p = marker(PROMOTE).orElseThrow();
      return finish(p.path("decision").asText());
    }
  }

  private void requireJobs() {
    jobs.require(IngestStep.JOB, "the ingest step");
    jobs.require(PARTITION, "the partition step");
    if (o.reaches(TRAIN)) {
      jobs.require(TRAIN, "the train step");
    }
    if (o.reaches(EVALUATE)) {
      jobs.require("score", "the evaluate step");
      jobs.require(EVALUATE, "the evaluate step");
    }
  }

  private Map<String, Object> execute(String step) {
    return switch (step) {
      case INGEST -> ingest();
      case PARTITION -> partition();
      case TRAIN -> train();
      case EVALUATE -> evaluate();
      case PROMOTE -> promote();
      default -> throw new IllegalArgumentException(step);
    };
  }

  // ---- runs and markers

  private Path runsDir() {
    return new Path(work, "runs");
  }

  private Path activePointer() {
    return new Path(runsDir(), "ACTIVE");
  }

  private Path finishedFile(String id) {
    return new Path(new Path(runsDir(), id), "finished.json");
  }

  private Optional<String> activeRun() {
    Optional<String> id = HadoopFiles.read(fs, activePointer()).map(String::trim).filter(s -> !s.isEmpty());
    if (id.isPresent() && HadoopFiles.exists(fs, finishedFile(id.get()))) {
      HadoopFiles.delete(fs, activePointer()); // finished, killed before clearing the pointer
      return Optional.empty();
    }
    return id;
  }

  private String startRun() {
    int max = 0;
    for (FileStatus s : HadoopFiles.list(fs, runsDir())) {
      Matcher m = RUN_ID.matcher(s.getPath().getName());
      if (m.matches()) {
        max = Math.max(max, Integer.parseInt(m.group(1)));
      }
    }
    String id = String.format("run-%04d-%s", max + 1, RUN_TIME.format(clock.instant()));
    Path dir = new Path(runsDir(), id);
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("run", id);
    info.put("started", clock.instant().toString());
    info.put("host", lock.holder().host());
    info.put("options", o.resolved());
    HadoopFiles.writeAtomically(fs, new Path(dir, "run.json"), json(info));
    HadoopFiles.writeAtomically(fs, activePointer(), id + "\n");
    return id;
  }

  /** Writes the run's finished.json, then clears the active pointer (in that order: see activeRun). */
  private void close(String id, String status, String version, String reason) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("run", id);
    info.put("status", status);
    info.put("finished", clock.instant().toString());
    info.put("version", version);
    info.put("reason", reason);
    HadoopFiles.writeAtomically(fs, finishedFile(id), json(info));
    HadoopFiles.delete(fs, activePointer());
  }

  /** Closes the unfinished run as abandoned (its directory stays for inspection). */
  private void abandon(String id) {
    close(id, "abandoned", null, "--abandon-active");
    LOG.warn("nightly: run {} abandoned (--abandon-active); a new run starts when there is something to do", id);
  }

  private NightlyRetrainJob.Result finish(String status) {
    Optional<JsonNode> p = marker(PROMOTE);
    String version = p.map(n -> n.path("version").isNull() ? null : n.path("version").asText(null)).orElse(null);
    String reason = p.map(n -> n.path("reason").asText()).orElse(null);
    close(run, status, version, reason);
    LOG.info("nightly {}: finished: {}{}", run, status, reason == null ? "" : " (" + reason + ")");
    return new NightlyRetrainJob.Result(run, status, stepsRun, stepsSkipped, p.isPresent() ? status : null, version, reason);
  }

  Optional<JsonNode> marker(String step) {
    return readJson(new Path(new Path(runDir, "steps"), step + ".json"));
  }

  private void mark(String step, Map<String, Object> result) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("step", step);
    m.put("completed", clock.instant().toString());
    m.putAll(result);
    HadoopFiles.writeAtomically(fs, new Path(new Path(runDir, "steps"), step + ".json"), json(m));
  }

  private Optional<JsonNode> readJson(Path p) {
    return HadoopFiles.read(fs, p).map(text -> {
      try {
        return JSON.readTree(text);
      } catch (IOException e) {
        throw new JobFailedException("Unreadable marker " + p + " (" + e.getMessage() + "); delete it to redo that step", e);
      }
    });
  }

  // ---- ingest

  /** One manifest to ingest. */
  record Batch(String name, String manifest, long size, long modificationTime) {}

  /** Job and batch helpers of the ingest step. */
  static final class IngestStep {
    static final String JOB = "ingest";

    private IngestStep() {}

    /** A readable, unique, file-name-safe name for a manifest: parent_base-hash8. */
    static String batchName(Path manifest) {
      String parent = manifest.getParent() == null ? "" : manifest.getParent().getName();
      String base = manifest.getName().replaceFirst("(?i)\\.(csv\\.gz|csv|parquet|txt)$", "");
      String s = ((parent.isEmpty() ? "" : parent + "_") + base).replaceAll("[^A-Za-z0-9._-]", "_");
      if (s.length() > 60) {
        s = s.substring(0, 60);
      }
      if (s.isEmpty() || !Character.isLetterOrDigit(s.charAt(0))) {
        s = "m" + s; // Spark ignores files whose names start with _ or .
      }
      return s + "-" + sha256(manifest.toString()).substring(0, 8);
    }
  }

  /** Every manifest the globs match now. */
  List<FileStatus> manifests() {
    List<FileStatus> out = new ArrayList<>();
    TreeSet<String> seen = new TreeSet<>();
    for (String glob : o.manifests()) {
      Path g = new Path(glob);
      try {
        FileSystem gfs = g.getFileSystem(spark.sparkContext().hadoopConfiguration());
        FileStatus[] found = gfs.globStatus(g);
        if (found == null) {
          continue;
        }
        for (FileStatus f : found) {
          if (f.isFile() && !f.getPath().getName().endsWith(".crc") && seen.add(f.getPath().toString())) {
            out.add(f);
          }
        }
      } catch (IOException e) {
        throw new JobFailedException("Cannot list --manifests " + glob + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private List<FileStatus> newManifests() {
    Watermark wm = Watermark.load(fs, new Path(work, "watermark.json"));
    List<FileStatus> found = manifests();
    for (FileStatus f : wm.changed(found)) {
      LOG.warn("Manifest {} changed after it was ingested (size/time differ); it is not ingested again", f.getPath());
    }
    return wm.newManifests(found);
  }

  private Map<String, Object> ingest() {
    Path stepDir = new Path(runDir, "steps");
    Path planFile = new Path(stepDir, "ingest-plan.json");
    List<Batch> plan = new ArrayList<>();
    Optional<JsonNode> frozen = readJson(planFile);
    if (frozen.isPresent()) {
      for (JsonNode b : frozen.get().path("batches")) {
        plan.add(new Batch(b.get("name").asText(), b.get("manifest").asText(), b.get("size").asLong(),
            b.get("modification_time").asLong()));
      }
    } else {
      // Frozen at the first attempt: a resumed run ingests the same manifests, later ones wait.
      for (FileStatus f : newManifests()) {
        plan.add(new Batch(IngestStep.batchName(f.getPath()), f.getPath().toString(), f.getLen(), f.getModificationTime()));
      }
      List<Object> list = new ArrayList<>();
      for (Batch b : plan) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", b.name());
        m.put("manifest", b.manifest());
        m.put("size", b.size());
        m.put("modification_time", b.modificationTime());
        list.add(m);
      }
      HadoopFiles.writeAtomically(fs, planFile, json(Map.of("batches", list)));
    }
    LOG.info("nightly {}: {} new manifests to ingest", run, plan.size());
    long images = 0;
    List<String> names = new ArrayList<>();
    for (Batch b : plan) {
      images += ingestBatch(b);
      names.add(b.name());
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("batches", names);
    out.put("images", images);
    return out;
  }

  /** Ingests one manifest into data/ (idempotent per batch); returns its image count. */
  private long ingestBatch(Batch b) {
    Path marker = new Path(new Path(new Path(runDir, "steps"), "ingest"), b.name() + ".json");
    Path watermarkFile = new Path(work, "watermark.json");
    Optional<JsonNode> done = readJson(marker);
    if (done.isEmpty()) {
      Path shards = new Path(new Path(work, "data"), "shards");
      Path locations = new Path(new Path(work, "data"), "locations");
      removeBatchFiles(shards, b);
      removeBatchFiles(locations, b);
      Path out = new Path(new Path(runDir, "ingest"), b.name());
      Map<String, String> options = new LinkedHashMap<>();
      options.put("manifest", b.manifest());
      options.put("output", out.toString());
      options.put("overwrite", "true");
      jobs.run(spark, IngestStep.JOB, options, "nightly " + run + " ingest " + b.name());
      // Partition needs only id/lat/lon: a narrow copy keeps it from reading image bytes.
      spark.sparkContext().setJobDescription("nightly " + run + ": locations of " + b.name());
      spark.read().parquet(new Path(out, "shards").toString()).select("id", "lat", "lon")
          .write().mode("overwrite").parquet(new Path(out, "locations").toString());
      moveBatchFiles(new Path(out, "shards"), shards, b);
      moveBatchFiles(new Path(out, "locations"), locations, b);
      JsonNode summary = readJson(new Path(out, "summary.json")).orElse(JSON.createObjectNode());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("batch", b.name());
      m.put("manifest", b.manifest());
      m.put("images", summary.path("images_written").asLong(-1));
      m.put("summary", new Path(out, "summary.json").toString());
      HadoopFiles.writeAtomically(fs, marker, json(m));
      done = readJson(marker);
      LOG.info("nightly {}: ingested {} ({} images)", run, b.manifest(), m.get("images"));
    }
    // Only now (files in place, marker written) is the manifest counted as ingested.
    Watermark wm = Watermark.load(fs, watermarkFile);
    if (!wm.contains(b.manifest())) {
      wm.with(new Watermark.Entry(b.manifest(), b.size(), b.modificationTime(), b.name(), run)).save(fs, watermarkFile);
    }
    return done.get().path("images").asLong();
  }

  private void removeBatchFiles(Path dir, Batch b) {
    for (FileStatus s : HadoopFiles.list(fs, dir)) {
      if (s.getPath().getName().startsWith(b.name() + "--")) {
        HadoopFiles.delete(fs, s.getPath());
      }
    }
  }

  private void moveBatchFiles(Path from, Path to, Batch b) {
    HadoopFiles.mkdirs(fs, to);
    for (FileStatus s : HadoopFiles.list(fs, from)) {
      String name = s.getPath().getName();
      if (s.isFile() && name.endsWith(".parquet")) {
        HadoopFiles.rename(fs, s.getPath(), new Path(to, b.name() + "--" + name));
      }
    }
  }

  /** Nothing was ingested by this run, and there is no reason to train anyway. */
  private boolean nothingNew() {
    JsonNode m = marker(INGEST).orElseThrow();
    return m.path("batches").isEmpty() && !o.force() && registry.current().isPresent();
  }

  // ---- partition

  private Map<String, Object> partition() {
    Path locations = new Path(new Path(work, "data"), "locations");
    if (HadoopFiles.list(fs, locations).stream().noneMatch(s -> s.getPath().getName().endsWith(".parquet"))) {
      throw new JobFailedException("Nothing has been ingested into " + locations + " yet: no manifest matched --manifests "
          + o.manifests());
    }
    Path out = new Path(runDir, "partition");
    Map<String, String> options = new LinkedHashMap<>();
    options.put("input", locations.toString());
    options.put("format", "parquet");
    options.put("output", out.toString());
    options.put("overwrite", "true");
    jobs.run(spark, PARTITION, options, "nightly " + run + " partition");
    CellsFingerprint fp = CellsFingerprint.of(spark, new Path(out, "cells.parquet").toString());
    Optional<Version> current = registry.current();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cells_fingerprint", fp.sha256());
    m.put("classes", fp.classes());
    if (current.isPresent() && current.get().cellsFingerprint().equals(fp.sha256())) {
      m.put("mode", "fine-tune");
      m.put("generation", current.get().generation());
      m.put("init", registry.modelDir(current.get()).toString());
      m.put("base_version", current.get().name());
      m.put("why", "same cells as " + current.get().name() + ": class ids unchanged, fine-tune it");
    } else {
      m.put("mode", "scratch");
      m.put("generation", registry.maxGeneration() + 1);
      m.put("init", "");
      m.put("base_version", current.map(Version::name).orElse(null));
      m.put("why", current.isEmpty() ? "no current model" : "cells differ from " + current.get().name()
          + " (classes now " + fp.classes() + "): new generation, trained from scratch");
    }
    return m;
  }

  // ---- train

  private Map<String, Object> train() {
    JsonNode p = marker(PARTITION).orElseThrow();
    Path out = new Path(runDir, "train");
    Path checkpoints = new Path(out, "checkpoints");
    boolean resume = !HadoopFiles.list(fs, checkpoints).isEmpty();
    if (!resume) {
      HadoopFiles.delete(fs, out); // a failed attempt before its first checkpoint
    }
    Map<String, String> options = new LinkedHashMap<>();
    options.put("shards", new Path(new Path(work, "data"), "shards").toString());
    options.put("labels", new Path(new Path(runDir, "partition"), "labels.parquet").toString());
    options.put("cells", new Path(new Path(runDir, "partition"), "cells.parquet").toString());
    options.put("output", out.toString());
    options.put("init", p.path("init").asText(""));
    options.put("resume", String.valueOf(resume));
    jobs.run(spark, TRAIN, options, "nightly " + run + " train (" + p.path("mode").asText() + (resume ? ", resumed" : "") + ")");
    Path model = new Path(out, "model");
    if (!HadoopFiles.exists(fs, new Path(model, "model.json"))) {
      throw new JobFailedException("The train job finished without " + new Path(model, "model.json"));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("model", model.toString());
    m.put("resumed", resume);
    m.put("mode", p.path("mode").asText());
    m.put("generation", p.path("generation").asInt());
    return m;
  }

  // ---- evaluate

  private Map<String, Object> evaluate() {
    JsonNode t = marker(TRAIN).orElseThrow();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("candidate_metrics", scoreAndEvaluate("candidate", t.path("model").asText(),
        new Path(new Path(runDir, "partition"), "cells.parquet").toString()).toString());
    Optional<Version> current = registry.current();
    if (current.isEmpty()) {
      m.put("current_version", null);
      m.put("current_metrics", null);
    } else {
      Version v = current.get();
      m.put("current_version", v.name());
      boolean sameSet = o.evalInput().equals(v.evalInput());
      if (o.rescoreCurrent() || !sameSet || !HadoopFiles.exists(registry.fileSystem(), registry.metricsFile(v))) {
        LOG.info("nightly {}: scoring {} on the held-out set again ({})", run, v.name(),
            o.rescoreCurrent() ? "--rescore-current" : !sameSet ? "its metrics are for " + v.evalInput() : "no stored metrics");
        m.put("current_metrics", scoreAndEvaluate("current", registry.modelDir(v).toString(),
            HadoopFiles.exists(registry.fileSystem(), registry.cellsDir(v)) ? registry.cellsDir(v).toString() : "").toString());
        m.put("current_source", "rescored");
      } else {
        m.put("current_metrics", registry.metricsFile(v).toString());
        m.put("current_source", "registry");
      }
    }
    return m;
  }

  /**
   * Scores a model on the held-out set and evaluates it; returns the metrics.json path.
   *
   * @param cells the model's own cells table (its model.json names the training run's copy,
   *     which may be gone from the work directory by now)
   */
  private Path scoreAndEvaluate(String tag, String model, String cells) {
    Path evalDir = new Path(runDir, "eval");
    Path marker = new Path(new Path(new Path(runDir, "steps"), "evaluate"), tag + ".json");
    Path out = new Path(evalDir, tag);
    Path metrics = new Path(out, "metrics.json");
    if (readJson(marker).isPresent()) {
      return metrics;
    }
    // The score job's output directory holds predictions/ (Parquet), rejects/ and summary.json.
    Path scoreOut = new Path(evalDir, tag + "-score");
    HadoopFiles.delete(fs, scoreOut);
    Map<String, String> score = new LinkedHashMap<>();
    score.put("model", model);
    score.put("cells", cells);
    score.put("input", o.evalInput());
    score.put("output", scoreOut.toString());
    jobs.run(spark, "score", score, "nightly " + run + " score " + tag + " on the held-out set");
    Map<String, String> eval = new LinkedHashMap<>();
    eval.put("predictions", HELDOUT + "=" + new Path(scoreOut, "predictions"));
    eval.put("output", out.toString());
    eval.put("overwrite", "true");
    eval.put("thresholds", evaluateThresholds());
    if (o.evalGroundTruth() != null) {
      eval.put("ground-truth", o.evalGroundTruth());
    }
    jobs.run(spark, EVALUATE, eval, "nightly " + run + " evaluate " + tag);
    if (!HadoopFiles.exists(fs, metrics)) {
      throw new JobFailedException("The evaluate job finished without " + metrics);
    }
    HadoopFiles.writeAtomically(fs, marker, json(Map.of("model", model, "metrics", metrics.toString())));
    return metrics;
  }

  /** The configured evaluate thresholds plus the promotion thresholds, increasing. */
  String evaluateThresholds() {
    String configured = JobCatalog.configured(spark, EVALUATE).getOrDefault("thresholds", EVALUATE_THRESHOLDS_DEFAULT);
    TreeSet<Long> all = new TreeSet<>();
    for (String s : configured.split(",")) {
      if (!s.isBlank()) {
        all.add(Long.parseLong(s.trim()));
      }
    }
    Arrays.stream(o.promoteThresholdsKm()).forEach(km -> all.add((long) km));
    return String.join(",", all.stream().map(String::valueOf).toList());
  }

  // ---- promote

  private Map<String, Object> promote() {
    JsonNode p = marker(PARTITION).orElseThrow();
    JsonNode t = marker(TRAIN).orElseThrow();
    JsonNode e = marker(EVALUATE).orElseThrow();
    EvalMetrics candidate = metrics(e.path("candidate_metrics").asText());
    String currentName = e.path("current_version").isNull() ? null : e.path("current_version").asText();
    EvalMetrics current = currentName == null ? null : metrics(e.path("current_metrics").asText());
    Optional<Version> previous = currentName == null ? Optional.empty() : registry.version(currentName);
    PromotionPolicy.Decision d = policy.decide(candidate, current, currentName);
    ModelRegistry.Candidate c = new ModelRegistry.Candidate(run, t.path("model").asText(),
        e.path("candidate_metrics").asText(), new Path(new Path(runDir, "partition"), "cells.parquet").toString(),
        p.path("generation").asInt(), p.path("mode").asText(), p.path("cells_fingerprint").asText(), o.evalInput());
    lock.verify(); // the registry changes only under our own lock
    ModelRegistry.Outcome outcome = registry.record(c, d, previous, policy);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("decision", d.promoted() ? "promoted" : "rejected");
    m.put("version", outcome.version().map(Version::name).orElse(null));
    m.put("previous", currentName);
    m.put("reason", d.reason());
    return m;
  }

  private EvalMetrics metrics(String uri) {
    Path path = new Path(uri);
    try {
      FileSystem mfs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      String text = HadoopFiles.read(mfs, path).orElseThrow(() -> new JobFailedException("Missing metrics " + uri));
      return EvalMetrics.parse(text);
    } catch (IOException | IllegalArgumentException ex) {
      throw new JobFailedException("Cannot read the metrics " + uri + ": " + ex.getMessage(), ex);
    }
  }

  // ---- helpers

  private static String json(Object value) {
    try {
      return JSON.writeValueAsString(value) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
