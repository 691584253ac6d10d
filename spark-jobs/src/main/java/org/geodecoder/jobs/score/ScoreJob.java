package org.geodecoder.jobs.score;

import org.geodecoder.jobs.io.PartitionFingerprint;
import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.geodecoder.jobs.ml.GeoLocatorModel;
import org.geodecoder.jobs.partition.CellTables;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.io.ModelConfigJson;
import org.geodecoder.s2.CellClass;
import org.geodecoder.s2.CellVocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder score}: batch inference. Images (a directory tree, tar archives or ingest
 * shards, on any Hadoop filesystem) and a model directory ({@code model.json} +
 * {@code parameters.safetensors}) → {@code predictions/} (Parquet, {@link ScoreSchema}),
 * {@code rejects/} (id, source, reason, detail of every image that could not be scored) and
 * {@code summary.json} (counts, phase times, images/s, where the tasks' time went).
 *
 * <p>Steps: validate options → read model.json and the cells table on the driver → plan the
 * input ({@link ScoreInput}) → score each partition through the ML stage {@link GeoLocatorModel}
 * ({@link PartitionScorer}: decode and transform on the CPU, forward on the executor's shared
 * model, {@link ModelCache}), results
 * cached (small rows, no image bytes) → count → write rejects, check the reject fraction, write
 * predictions sorted by id within each file. The same input and options give the same files.
 */
public final class ScoreJob extends AbstractJob {
  public static final String NAME = "score";
  private static final Logger LOG = LoggerFactory.getLogger(ScoreJob.class);
  /** The stage's reject columns (the input already has reason and detail: read failures). */
  private static final String STAGE_REASON = "stage_reason";
  private static final String STAGE_DETAIL = "stage_detail";

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("input", "images: a directory tree (id = path relative to it), a .tar file or a directory of .tar files (id = member path), or ingest shards (Parquet with id, image, …; or an ingest output directory)"),
      OptionSpec.withDefault("input-format", "auto", "auto, shards, dir or tar"),
      OptionSpec.withDefault("split", "all", "shards only: score all rows, or only the train or val split"),
      OptionSpec.required("model", "model directory (model.json + parameters.safetensors, as GeoModel.save writes it) on any Hadoop filesystem"),
      OptionSpec.withDefault("cells", "", "partition's cells.parquet (or its output directory): gives cell_id, the S2 token of the predicted cell; none: the cells table model.json names, if readable, else cell_id is null"),
      OptionSpec.withDefault("output", "demo-output/score", "output directory (any Hadoop URI): predictions/, rejects/, summary.json"),
      OptionSpec.withDefault("device", "auto", "auto (the GPU Spark assigned to the task, else the CPU), cpu or gpu"),
      OptionSpec.withDefault("batch-size", 32, "images per forward pass; native memory grows with it (a forward keeps its activations until it ends: about 0.2 GB per image for swin_tiny at 224 px)"),
      OptionSpec.withDefault("top-k", 1, "cells per image; above 1 adds a topk column (class_label, probability, lat, lon)"),
      OptionSpec.withDefault("tencrop", false, "average over the paper's TenCrop (10 forward passes per image) instead of one centre crop"),
      OptionSpec.withDefault("files", 0, "number of predictions files; 0: one per scoring task"),
      OptionSpec.withDefault("partitions", 0, "scoring tasks; 0: one per 2,000 files of a directory tree (at least the default parallelism), one per tar archive, Parquet's splits for shards"),
      OptionSpec.withDefault("max-image-mb", 64, "larger images are rejected"),
      OptionSpec.withDefault("max-reject-fraction", 0.01, "fail when more than this fraction of the images cannot be scored"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"),
      OptionSpec.withDefault("precision", "fp32", "number format of the forward pass: fp32, or bf16 (bfloat16 matrix products, fp32 softmax and outputs; faster on GPUs with bf16 units, slower on most CPUs)"));

  public ScoreJob() {
    super(NAME, "Batch inference: images (directory tree, tar archives or shards) + model → predictions, rejects and summary", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  /** Validated options. Immutable. */
  public record Options(String input, String inputFormat, String split, String model, String cells, String output,
      String device, int batchSize, int topK, boolean tenCrop, int files, int partitions, long maxImageBytes,
      double maxRejectFraction, boolean overwrite, Map<String, String> resolved) {
    /** Number format of the forward pass (--precision). */
    public Precision precision() {
      return Precision.parse(resolved.getOrDefault("precision", "fp32"));
    }
  }

  /** @throws OptionException naming the bad option */
  public static Options parse(Map<String, String> values) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, values);
    String format = r.choice("input-format", "auto", "shards", "dir", "tar");
    String split = r.choice("split", "all", "train", "val");
    if (!"all".equals(split) && ("dir".equals(format) || "tar".equals(format))) {
      throw r.bad("split", split, "only shards have a split, and --input-format is " + format);
    }
    String cells = r.string("cells");
    return new Options(r.requiredString("input"), format, split, r.requiredString("model"),
        cells == null || cells.isEmpty() ? null : cells, r.requiredString("output"),
        r.choice("device", "auto", "cpu", "gpu"), r.integer("batch-size", 1, 4096), r.integer("top-k", 1, 1000),
        r.bool("tencrop"), r.integer("files", 0, 100_000), r.integer("partitions", 0, 1_000_000),
        r.longValue("max-image-mb", 1) << 20, r.doubleValue("max-reject-fraction", 0, 1), r.bool("overwrite"),
        checked(r));
  }

  private static Map<String, String> checked(JobOptionsReader r) {
    r.choice("precision", "fp32", "bf16");
    return r.resolved();
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    Options o = parse(options);
    return spark -> run(spark, o);
  }

  /**
   * What a run did, as in summary.json.
   *
   * @param taskSeconds task-seconds in read, decode_transform, forward, forward_wait, write
   * @param forwardFraction forward / (read + decode_transform + forward + write)
   * @param modelUtilization share of the scoring phase each model instance spent in forward passes
   * @param cellIds where cell_id came from, null when it is null
   */
  public record Result(long imagesRead, long imagesScored, Map<String, Long> rejectsByReason, String inputFormat,
      int partitions, double imagesPerSecond, Map<String, Double> taskSeconds, double forwardFraction,
      double modelUtilization, String cellIds, List<String> devices) {}

  /** Runs the job on the session; the caller owns the session. */
  public static Result run(SparkSession spark, Options o) {
    LOG.info("score: options {}", o.resolved());
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("--input", o.input());
    inputs.put("--model", o.model());
    inputs.put("--cells", o.cells());
    OutputDir out = OutputDir.prepare(spark, o.output(), o.overwrite(), "--output", inputs);
    try {
      Result result = run(spark, o, out);
      out.commit(NAME);
      return result;
    } finally {
      out.abort(); // no-op after commit or keepFailed
    }
  }

  private static Result run(SparkSession spark, Options o, OutputDir out) {
    long start = System.nanoTime();
    PhaseTimer phases = new PhaseTimer();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());

    jsc.setJobDescription("score: read the model and plan the input");
    String modelUri = qualify(conf, o.model(), "--model");
    ModelConfig config = readModelConfig(conf, modelUri);
    ClassHierarchy hierarchy = config.hierarchy();
    int finest = hierarchy.hierarchies() - 1;
    if (o.topK() > hierarchy.classCount(finest)) {
      throw new OptionException("Cannot set --top-k (spark.geodecoder.score.top-k) to '" + o.topK() + "': the model's finest hierarchy has "
          + hierarchy.classCount(finest) + " classes");
    }
    ScoreInput.Located at = ScoreInput.locate(conf, o.input(), o.inputFormat());
    ScoreInput.check(at, o);
    CellIds cells = cellIds(spark, o, config);
    ScoreInput.Source src = ScoreInput.open(spark, conf, at, o);
    ScoreSchema schema = new ScoreSchema(hierarchy.hierarchies(), o.topK(), src.truth(), src.scenes());
    LOG.info("Scoring {} ({}, {} tasks{}) with {} ({}, {}x{} input, {} hierarchies, {} finest classes); device {}, batch {}, {}",
        src.location().uri(), src.location().format(), src.partitions(), src.listed() >= 0 ? ", " + src.listed() + " files" : "",
        modelUri, config.encoder().name(), config.imageSize(), config.imageSize(), hierarchy.hierarchies(),
        hierarchy.classCount(finest), o.device(), o.batchSize(), o.tenCrop() ? "TenCrop" : "centre crop");
    phases.end("plan");

    TaskTimes times = TaskTimes.register(spark.sparkContext());
    // One code path for batch scoring: the ML stage, over the input rows.
    GeoLocatorModel stage = GeoLocatorModel.of(modelUri, config, cells.tokens()).setInputCol("image").setOutputPrefix("")
        .setDevice(o.device()).setBatchSize(o.batchSize()).setTopK(o.topK()).setTenCrop(o.tenCrop())
        .setMaxImageBytes(o.maxImageBytes()).setPrecision(o.precision().optionValue()).setRejectCol(STAGE_REASON).setRejectDetailCol(STAGE_DETAIL);
    Dataset<Row> stageOutput = spark.createDataFrame(stage.transformRows(spark, src.rows(), ScoreInput.SCHEMA, times),
        stage.transformSchema(ScoreInput.SCHEMA));
    // Results are small rows (no image bytes): cached, so the images are decoded and scored once
    // for the counts, the rejects and the predictions.
    Dataset<Row> results = stageOutput.select(schema.resultColumns(STAGE_REASON, STAGE_DETAIL))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      jsc.setJobDescription("score: decode, transform and run the model on " + src.location().uri());
      Map<String, Long> rejects = new TreeMap<>();
      long total = 0;
      long scored = 0;
      try {
        for (Row r : results.groupBy("reason").count().collectAsList()) {
          total += r.getLong(1);
          if (r.isNullAt(0)) {
            scored += r.getLong(1);
          } else {
            rejects.put(r.getString(0), r.getLong(1));
          }
        }
      } catch (Exception e) { // SparkException is thrown without being declared
        throw new JobFailedException("Scoring " + src.location().uri() + " with " + modelUri + " failed: " + rootMessage(e), e);
      }
      double scoreSeconds = phases.end("score");
      src.release().run();
      long rejected = total - scored;
      LOG.info("Scored {} images: {} predictions, {} rejected {}, {} images/s", total, scored, rejected, rejects,
          Math.round(scored / Math.max(1e-9, scoreSeconds)));

      if (rejected > 0) {
        jsc.setJobDescription("score: write rejects");
        Dataset<Row> r = results.filter(col("reason").isNotNull()).selectExpr(schema.rejectColumns());
        write(spark, rejected < 1_000_000 ? r.coalesce(1) : r, times.write, out.child("rejects"));
        LOG.warn("{} of {} images could not be scored: {}; see {}", rejected, total, rejects, out.child("rejects"));
      }
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("job", NAME);
      summary.put("input", src.location().uri());
      summary.put("input_format", src.location().format());
      summary.put("split", o.split());
      summary.put("input_partitions", src.partitions());
      summary.put("model", modelUri);
      summary.put("encoder", config.encoder().name());
      summary.put("image_size", config.imageSize());
      summary.put("class_counts", hierarchy.classCounts());
      summary.put("device", o.device());
      summary.put("precision", o.precision().optionValue());
      summary.put("batch_size", o.batchSize());
      summary.put("top_k", o.topK());
      summary.put("tencrop", o.tenCrop());
      summary.put("cell_ids", cells.source());
      summary.put("images_read", total);
      summary.put("images_scored", scored);
      summary.put("images_rejected", rejected);
      summary.put("rejected_by_reason", rejects);
      summary.put("images_per_second", Math.round(scored / Math.max(1e-9, scoreSeconds) * 10) / 10.0);
      summary.put("model_utilization", times.modelUtilization(scoreSeconds));
      double fraction = total == 0 ? 1 : rejected / (double) total;
      if (total == 0 || scored == 0 || fraction > o.maxRejectFraction()) {
        summary.put("status", "failed");
        writeSummary(out, summary, phases, times);
        out.keepFailed();
        throw new JobFailedException(total == 0 ? "No images in " + src.location().uri() + " (--input): nothing to score" : String.format(
            "%d of %d images (%.2f%%) of %s could not be scored, more than --max-reject-fraction %s allows: %s. "
                + "The rejected images and their reasons are in %s.",
            rejected, total, 100.0 * rejected / total, src.location().uri(), o.maxRejectFraction(), rejects, out.child("rejects")));
      }

      jsc.setJobDescription("score: write predictions");
      Dataset<Row> predictions = results.filter(col("reason").isNull()).selectExpr(schema.predictionColumns());
      if (o.files() > 0) {
        predictions = o.files() < predictions.rdd().getNumPartitions() ? predictions.coalesce(o.files())
            : predictions.repartition(o.files(), col("id"));
      }
      write(spark, predictions, times.write, out.child("predictions"));
      phases.end("write");
      summary.put("status", "ok");
      writeSummary(out, summary, phases, times);
      Map<String, Double> task = times.seconds();
      double wall = (System.nanoTime() - start) / 1e9;
      LOG.info("score: {} predictions, {} rejected, in {} s ({} images/s while scoring); task time: read {} s, decode+transform {} s, "
              + "forward {} s ({}% of the work; the model busy {}% of the scoring phase), waiting for the model {} s, write {} s → {}",
          scored, rejected, String.format("%.1f", wall), Math.round(scored / Math.max(1e-9, scoreSeconds)), task.get("read"),
          task.get("decode_transform"), task.get("forward"), Math.round(times.forwardFraction() * 1000) / 10.0,
          Math.round(times.modelUtilization(scoreSeconds) * 1000) / 10.0, task.get("forward_wait"), task.get("write"), out.target());
      return new Result(total, scored, rejects, src.location().format(), src.partitions(), scored / Math.max(1e-9, scoreSeconds),
          task, times.forwardFraction(), times.modelUtilization(scoreSeconds), cells.source(), times.devicesUsed());
    } finally {
      results.unpersist();
      src.release().run();
      stage.release();
    }
  }

  /** Writes rows sorted by id within each file, timing the writer (not the rows' production). */
  private static void write(SparkSession spark, Dataset<Row> rows, LongAccumulator writeNanos, String path) {
    Dataset<Row> sorted = rows.sortWithinPartitions("id");
    JavaRDD<Row> timed = sorted.javaRDD().mapPartitions(it -> TaskTimes.timeConsumer(it, writeNanos));
    spark.createDataFrame(timed, sorted.schema()).write().parquet(path);
  }

  private static void writeSummary(OutputDir out, Map<String, Object> summary, PhaseTimer phases, TaskTimes times) {
    summary.put("phase_seconds", phases.seconds());
    summary.put("task_seconds", times.seconds());
    summary.put("forward_fraction", times.forwardFraction());
    summary.put("devices_used", times.devicesUsed());
    out.writeJson("summary.json", summary);
  }

  public static String qualify(HadoopConf conf, String uri, String option) {
    Path p = new Path(uri);
    try {
      return p.getFileSystem(conf.get()).makeQualified(p).toString();
    } catch (IOException | IllegalArgumentException e) {
      throw new JobFailedException("Cannot access " + uri + " (" + option + "): " + e.getMessage(), e);
    }
  }

  /** model.json of a model directory, checked on the driver before any task starts. */
  public static ModelConfig readModelConfig(HadoopConf conf, String uri) {
    Path dir = new Path(uri);
    Path json = new Path(dir, ModelCheckpoint.CONFIG_FILE);
    try {
      FileSystem fs = dir.getFileSystem(conf.get());
      if (!fs.exists(dir)) {
        throw new JobFailedException("Model directory " + uri + " (--model) does not exist");
      }
      if (!fs.exists(json)) {
        throw new JobFailedException("Model directory " + uri + " (--model) has no " + ModelCheckpoint.CONFIG_FILE
            + "; give a directory written by GeoModel.save or the train job");
      }
      if (!fs.exists(new Path(dir, ModelCheckpoint.PARAMETERS_FILE))) {
        throw new JobFailedException("Model directory " + uri + " (--model) has no " + ModelCheckpoint.PARAMETERS_FILE);
      }
      String text;
      try (InputStream in = fs.open(json)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      // Before any work: a truncated parameters file is named here, not in every scoring task.
      Path params = new Path(dir, ModelCheckpoint.PARAMETERS_FILE);
      try (InputStream in = fs.open(params)) {
        org.geodecoder.model.io.SafetensorsCheck.check(in, fs.getFileStatus(params).getLen(), params + " (--model)");
      }
      return ModelConfigJson.fromJson(text, json + " (--model)");
    } catch (IOException e) {
      throw new JobFailedException("Cannot read " + json + " (--model): " + e.getMessage(), e);
    } catch (IllegalArgumentException e) { // names the file and what is wrong
      throw new JobFailedException(e.getMessage(), e);
    }
  }

  /** S2 tokens of the finest classes, and where they came from (both null when unknown). */
  public record CellIds(String[] tokens, String source) {}

  /**
   * The cell tokens: from --cells (must match the model), else from the cells table model.json
   * names (skipped with a warning when unreadable or not matching), else none: cell_id is null.
   */
  static CellIds cellIds(SparkSession spark, Options o, ModelConfig config) {
    return cellIds(spark, o.cells(), o.model(), config);
  }

  /** As {@link #cellIds(SparkSession, Options, ModelConfig)}, for --cells (or null) and --model. */
  public static CellIds cellIds(SparkSession spark, String cellsOption, String modelOption, ModelConfig config) {
    String uri = cellsOption != null ? cellsOption : config.cellsTable().orElse(null);
    if (uri == null) {
      LOG.info("cell_id will be null: no --cells given and {} names no cells table", ModelCheckpoint.CONFIG_FILE);
      return new CellIds(null, null);
    }
    boolean explicit = cellsOption != null;
    String from = explicit ? "--cells " + uri : "the cells table " + uri + " named by " + ModelCheckpoint.CONFIG_FILE;
    CellVocabulary v;
    try {
      v = CellTables.read(spark, uri);
    } catch (Exception e) { // Spark's AnalysisException is thrown without being declared
      if (explicit) {
        throw new JobFailedException("Cannot read " + from + ": " + e.getMessage(), e);
      }
      LOG.warn("cell_id will be null: cannot read {}: {}; pass --cells", from, e.getMessage());
      return new CellIds(null, null);
    }
    String mismatch = mismatch(v, config.hierarchy());
    if (mismatch != null) {
      if (explicit) {
        throw new JobFailedException(from + " does not belong to the model " + modelOption + ": " + mismatch);
      }
      LOG.warn("cell_id will be null: {} does not belong to the model: {}; pass --cells", from, mismatch);
      return new CellIds(null, null);
    }
    if (explicit && config.cellsTable().isPresent()) {
      // Same class counts are not enough: the cells must be the ones the model was trained with.
      String trained = config.cellsTable().get();
      var recorded = PartitionFingerprint.read(spark.sparkContext().hadoopConfiguration(), trained);
      String given = PartitionFingerprint.of(v);
      if (recorded.isPresent() && !recorded.get().equals(given)) {
        throw new JobFailedException(from + " comes from another partition run than the cells the model " + modelOption
            + " was trained with (" + trained + ", named by " + ModelCheckpoint.CONFIG_FILE + "; fingerprints "
            + PartitionFingerprint.abbreviate(given) + " and "
            + PartitionFingerprint.abbreviate(recorded.get()) + "): its cell ids would be wrong");
      }
    }
    int finest = v.hierarchies() - 1;
    String[] tokens = v.classesOf(finest).stream().map(CellClass::cellToken).toArray(String[]::new);
    LOG.info("cell_id from {} ({} cells in the finest hierarchy)", from, tokens.length);
    return new CellIds(tokens, uri);
  }

  /** Why a cells table is not the one a model's hierarchy was built from; null when it is. */
  static String mismatch(CellVocabulary v, ClassHierarchy h) {
    if (v.hierarchies() != h.hierarchies()) {
      return "it has " + v.hierarchies() + " hierarchies, the model " + h.hierarchies();
    }
    for (int k = 0; k < h.hierarchies(); k++) {
      if (v.classes(k) != h.classCount(k)) {
        return "hierarchy " + (k + 1) + " has " + v.classes(k) + " classes, the model's " + h.classCount(k);
      }
      for (int c = 0; c < h.classCount(k); c++) {
        CellClass cell = v.cell(k, c);
        // model.json stores the class locations as JSON numbers: exact up to rounding.
        if (Math.abs(cell.latDegrees() - h.latDegrees(k, c)) > 1e-9 || Math.abs(cell.lonDegrees() - h.lonDegrees(k, c)) > 1e-9
            || (k > 0 && cell.parentClass() != h.parent(k, c))) {
          return "class " + c + " of hierarchy " + (k + 1) + " differs (location or parent)";
        }
      }
    }
    return null;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
