package org.geodecoder.jobs.explain;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.report.ExplainReport;
import org.geodecoder.eval.report.HtmlReport;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.evaluate.SceneNamesOption;
import org.geodecoder.eval.report.SceneNames;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.score.ScoreInput;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder explain}: what the model looked at, per image (the paper's Fig. 5–7). Images
 * (a directory tree, tar archives, ingest shards, optionally only the ids of an {@code --ids}
 * list) and a model → {@code panels/<image>.png} (one {@link org.geodecoder.eval.report.ExplainPanel}
 * per image), {@code index.html} (the prediction table and every panel, linked),
 * {@code report.md} and {@code report.html} (the same, panels embedded: one self-contained
 * file), {@code rejects/} (Parquet: id, source, reason, detail) and {@code summary.json}.
 *
 * <p>Reads the input as the score job does ({@link ScoreInput}), keeps at most
 * {@code --max-images}, spreads them over the cluster's task slots and explains each partition on
 * the executor's shared model ({@link PartitionExplainer}, the score job's model cache): one
 * model load per executor. A bad image is a reject with its reason; the job fails only when no
 * image could be explained.
 */
public final class ExplainJob extends AbstractJob {
  public static final String NAME = "explain";
  private static final Logger LOG = LoggerFactory.getLogger(ExplainJob.class);
  /** The panels are collected into one report: a bound on what the driver holds and the page weighs. */
  static final int MAX_IMAGES_LIMIT = 1000;

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("input", "images: a directory tree (id = path relative to it), a .tar file or a directory of .tar files (id = member path), or ingest shards (Parquet; or an ingest output directory)"),
      OptionSpec.withDefault("input-format", "auto", "auto, shards, dir or tar"),
      OptionSpec.withDefault("split", "all", "shards only: explain all rows, or only the train or val split"),
      OptionSpec.withDefault("ids", "", "a text file of image ids, one per line: explain only these images of --input (e.g. ids from the shards or from a score job's predictions)"),
      OptionSpec.required("model", "model directory (model.json + parameters.safetensors) on any Hadoop filesystem"),
      OptionSpec.withDefault("cells", "", "partition's cells.parquet (or its output directory): names the predicted cells by S2 token; none: the cells table model.json names, if readable"),
      OptionSpec.withDefault("output", "demo-output/explain", "output directory (any Hadoop URI): panels/, index.html, report.md, report.html, rejects/, summary.json"),
      OptionSpec.withDefault("max-images", 50, "explain at most this many images (1 … " + MAX_IMAGES_LIMIT + ")"),
      OptionSpec.withDefault("hierarchies", "auto", "hierarchies whose attention is shown, 1 = coarsest, e.g. 1,4,7; auto: the coarsest, the middle and the finest"),
      OptionSpec.withDefault("top-k", 5, "predicted cells shown on each panel's map"),
      OptionSpec.withDefault("scene-names", "none", SceneNamesOption.HELP),
      OptionSpec.withDefault("precision", "fp32", "number format of the forward pass: fp32, or bf16 (bfloat16 matrix products, fp32 softmax and outputs; faster on GPUs with bf16 units, slower on most CPUs)"),
      OptionSpec.withDefault("device", "auto", "auto (the GPU Spark assigned to the task, else the CPU), cpu or gpu"),
      OptionSpec.withDefault("batch-size", 8, "images per forward pass"),
      OptionSpec.withDefault("max-image-mb", 64, "larger images are rejected"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"));

  public ExplainJob() {
    super(NAME, "Attention overlays, scene confidences and top-k maps per image, in PNG panels and a self-contained HTML report", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  /**
   * Validated options. Immutable.
   *
   * @param hierarchies 1-based, empty for auto
   */
  public record Options(String input, String inputFormat, String split, String ids, String model, String cells,
      String output, int maxImages, int[] hierarchies, int topK, String device, int batchSize, long maxImageBytes,
      boolean overwrite, String sceneNames, Map<String, String> resolved) {}

  /** @throws OptionException naming the bad option */
  public static Options parse(Map<String, String> values) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, values);
    String format = r.choice("input-format", "auto", "shards", "dir", "tar");
    String split = r.choice("split", "all", "train", "val");
    if (!"all".equals(split) && ("dir".equals(format) || "tar".equals(format))) {
      throw r.bad("split", split, "only shards have a split, and --input-format is " + format);
    }
    String h = r.string("hierarchies").trim();
    int[] hierarchies;
    if (h.isEmpty() || "auto".equals(h)) {
      hierarchies = new int[0];
    } else {
      try {
        hierarchies = java.util.Arrays.stream(h.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
      } catch (NumberFormatException e) {
        throw r.bad("hierarchies", h, "expected auto or a comma-separated list of hierarchy numbers such as 1,4,7");
      }
      if (hierarchies.length == 0 || java.util.Arrays.stream(hierarchies).anyMatch(k -> k < 1)
          || java.util.Arrays.stream(hierarchies).distinct().count() != hierarchies.length) {
        throw r.bad("hierarchies", h, "hierarchy numbers start at 1 (the coarsest) and must be distinct");
      }
    }
    String ids = r.string("ids");
    String cells = r.string("cells");
    return new Options(r.requiredString("input"), format, split, ids == null || ids.isEmpty() ? null : ids,
        r.requiredString("model"), cells == null || cells.isEmpty() ? null : cells, r.requiredString("output"),
        r.integer("max-images", 1, MAX_IMAGES_LIMIT), hierarchies, r.integer("top-k", 1, 100),
        r.choice("device", "auto", "cpu", "gpu"), r.integer("batch-size", 1, 1024), r.longValue("max-image-mb", 1) << 20,
        r.bool("overwrite"), r.string("scene-names"), checked(r));
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

  /** What a run did, as in summary.json. */
  public record Result(long imagesRead, long imagesExplained, Map<String, Long> rejectsByReason, int[] hierarchies,
      List<String> panels, String report) {}

  /** The hierarchies to show: as given (checked against the model), else coarsest, middle and finest. */
  static int[] hierarchies(int[] requested, int modelHierarchies) {
    if (requested.length == 0) {
      return java.util.stream.IntStream.of(1, (modelHierarchies + 1) / 2, modelHierarchies).distinct().toArray();
    }
    for (int k : requested) {
      if (k > modelHierarchies) {
        throw new OptionException("Cannot set --hierarchies (spark.geodecoder.explain.hierarchies) to '"
            + java.util.Arrays.toString(requested).replaceAll("[\\[\\] ]", "") + "': the model has " + modelHierarchies
            + " hierarchies (1 … " + modelHierarchies + ")");
      }
    }
    return requested.clone();
  }

  /** Runs the job on the session; the caller owns the session. */
  public static Result run(SparkSession spark, Options o) {
    LOG.info("explain: options {}", o.resolved());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());

    jsc.setJobDescription("explain: read the model and plan the input");
    String modelUri = ScoreJob.qualify(conf, o.model(), "--model");
    ModelConfig config = ScoreJob.readModelConfig(conf, modelUri);
    int[] hierarchies = hierarchies(o.hierarchies(), config.hierarchies());
    String[] sceneNames = sceneNames(o.sceneNames(), spark, config.scenes());
    int finestClasses = config.hierarchy().classCount(config.hierarchies() - 1);
    if (o.topK() > finestClasses) {
      throw new OptionException("Cannot set --top-k (spark.geodecoder.explain.top-k) to '" + o.topK()
          + "': the model's finest hierarchy has " + finestClasses + " classes");
    }
    ScoreInput.Located at = ScoreInput.locate(conf, o.input(), o.inputFormat());
    if (!"shards".equals(at.format()) && !"all".equals(o.split())) {
      throw new OptionException("Cannot set --split (spark.geodecoder.explain.split) to '" + o.split() + "': input "
          + o.input() + " is not shards, which alone have a split");
    }
    ScoreJob.CellIds cells = ScoreJob.cellIds(spark, o.cells(), o.model(), config);
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("--input", o.input());
    inputs.put("--model", o.model());
    inputs.put("--cells", o.cells());
    inputs.put("--ids", o.ids());
    OutputDir out = OutputDir.prepare(spark, o.output(), o.overwrite(), "--output", inputs);
    try {
      return explain(spark, o, conf, jsc, modelUri, config, hierarchies, sceneNames, at, cells, out);
    } finally {
      out.abort(); // no-op after commit or keepFailed: a failed run never replaces the previous output
    }
  }

  private static Result explain(SparkSession spark, Options o, HadoopConf conf, JavaSparkContext jsc, String modelUri,
      ModelConfig config, int[] hierarchies, String[] sceneNames, ScoreInput.Located at, ScoreJob.CellIds cells,
      OutputDir out) {
    ScoreInput.Source src = ScoreInput.open(spark, conf, at, o.split(), 0, o.maxImageBytes());

    Dataset<Row> images = spark.createDataFrame(src.rows(), ScoreInput.SCHEMA);
    if (o.ids() != null) {
      images = images.join(ids(spark, o.ids()), images.col("id").equalTo(col("wanted")), "left_semi");
    }
    // limit reads at most max-images rows per input partition; the shuffle after it spreads the
    // (few) images over the task slots so that every executor explains some.
    int parts = Math.max(1, Math.min(o.maxImages(), jsc.defaultParallelism()));
    Dataset<Row> chosen = images.limit(o.maxImages()).repartition(parts);
    PartitionExplainer.Settings settings = new PartitionExplainer.Settings(modelUri, o.device(), config.imageSize(),
        o.batchSize(), o.topK(), hierarchies, cells.tokens(), sceneNames, out.child("panels"), o.maxImageBytes(), conf,
        Precision.parse(o.resolved().getOrDefault("precision", "fp32")));
    List<Row> rows;
    try {
      jsc.setJobDescription("explain: decode, run the model and draw the panels of " + at.uri());
      rows = spark.createDataFrame(chosen.javaRDD().mapPartitions(new PartitionExplainer(settings)),
          PartitionExplainer.SCHEMA).collectAsList(); // at most max-images rows, no image bytes
    } catch (Exception e) { // SparkException is thrown without being declared
      throw new JobFailedException("Explaining " + at.uri() + " with " + modelUri + " failed: " + rootMessage(e), e);
    } finally {
      src.release().run();
    }

    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort(Comparator.comparing((Row r) -> r.getString(0)));
    List<ExplainReport.Entry> entries = new ArrayList<>();
    List<ExplainReport.Reject> rejects = new ArrayList<>();
    Map<String, Long> byReason = new TreeMap<>();
    List<Row> rejectRows = new ArrayList<>();
    for (Row r : sorted) {
      if (r.isNullAt(2)) {
        entries.add(entry(r));
      } else {
        rejects.add(new ExplainReport.Reject(r.getString(0), r.getString(2), r.getString(3)));
        byReason.merge(r.getString(2), 1L, Long::sum);
        rejectRows.add(r);
      }
    }
    if (!rejectRows.isEmpty()) {
      spark.createDataFrame(rejectRows, PartitionExplainer.SCHEMA).select("id", "source", "reason", "detail")
          .coalesce(1).write().parquet(out.child("rejects"));
      LOG.warn("explain: {} of {} images could not be explained: {}; see {}", rejectRows.size(), rows.size(), byReason,
          out.child("rejects"));
    }

    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("Model", modelUri + " (" + config.encoder().name() + ", " + config.imageSize() + " px, "
        + config.hierarchies() + " hierarchies, " + config.scenes() + " scenes)");
    facts.put("Input", at.uri() + " (" + at.format() + (o.ids() != null ? ", ids of " + o.ids() : "") + ")");
    facts.put("Hierarchies shown", java.util.Arrays.toString(hierarchies).replaceAll("[\\[\\]]", ""));
    facts.put("Cells", cells.source() == null ? "class numbers (no cells table)" : cells.source());
    facts.put("Scene names", sceneNames == null ? "none (scene numbers)" : o.sceneNames());
    String markdown = ExplainReport.markdown(facts, entries, rejects, sceneNames);
    writeReports(conf, out, markdown, entries);

    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("job", NAME);
    summary.put("input", at.uri());
    summary.put("input_format", at.format());
    summary.put("model", modelUri);
    summary.put("hierarchies", hierarchies);
    summary.put("top_k", o.topK());
    summary.put("images_read", rows.size());
    summary.put("images_explained", entries.size());
    summary.put("images_rejected", rejects.size());
    summary.put("rejected_by_reason", byReason);
    summary.put("status", entries.isEmpty() ? "failed" : "ok");
    out.writeJson("summary.json", summary);
    if (entries.isEmpty()) {
      out.keepFailed(); // the rejects and the failed summary, never over an earlier output
    }
    if (rows.isEmpty()) {
      throw new JobFailedException("No images in " + at.uri() + " (--input)"
          + (o.ids() != null ? " with an id listed in " + o.ids() + " (--ids)" : ""));
    }
    if (entries.isEmpty()) {
      throw new JobFailedException("None of the " + rows.size() + " images of " + at.uri() + " could be explained: "
          + byReason + "; the reasons are in " + out.child("rejects"));
    }
    out.commit(NAME);
    LOG.info("explain: {} images explained, {} rejected {} → {}", entries.size(), rejects.size(), byReason,
        out.child("index.html"));
    return new Result(rows.size(), entries.size(), byReason, hierarchies,
        entries.stream().map(ExplainReport.Entry::panel).toList(), out.child(HtmlReport.REPORT_HTML));
  }

  private static ExplainReport.Entry entry(Row r) {
    boolean truth = !r.isNullAt(14);
    return new ExplainReport.Entry(r.getString(0), "panels/" + r.getString(4), r.getDouble(5), r.getDouble(6),
        r.getString(7), r.getInt(8), r.getDouble(9), r.getInt(10), r.getDouble(11), r.getInt(12), r.getDouble(13),
        truth ? r.getDouble(14) : Double.NaN, truth ? r.getDouble(15) : Double.NaN,
        r.isNullAt(16) ? Double.NaN : r.getDouble(16));
  }

  /** The names of the model's scenes from --scene-names; null for numbers. */
  static String[] sceneNames(String value, SparkSession spark, int scenes) {
    SceneNames names = SceneNamesOption.load(value, spark.sparkContext().hadoopConfiguration(), "--scene-names");
    if (names.isEmpty()) {
      return null;
    }
    return names.forLevel(scenes).orElseThrow(() -> new OptionException("Cannot set --scene-names "
        + "(spark.geodecoder.explain.scene-names) to '" + value + "': it names no level of " + scenes
        + " scenes, and the model has " + scenes + " scene queries"));
  }

  /** The ids of an --ids file: one per line, blank lines and surrounding spaces ignored. */
  private static Dataset<Row> ids(SparkSession spark, String uri) {
    try {
      return spark.read().text(uri).select(org.apache.spark.sql.functions.trim(col("value")).as("wanted"))
          .filter(col("wanted").notEqual("")).distinct();
    } catch (Exception e) { // AnalysisException (path not found) is thrown without being declared
      throw new JobFailedException("Cannot read the ids list " + uri + " (--ids): " + e.getMessage(), e);
    }
  }

  /**
   * report.md, index.html (panels linked) and report.html (panels embedded). The HTML library
   * works on a local directory: the panels are copied there from the output (any Hadoop URI).
   */
  private static void writeReports(HadoopConf conf, OutputDir out, String markdown, List<ExplainReport.Entry> entries) {
    Path local = null;
    try {
      local = Files.createTempDirectory("geodecoder-explain-");
      Files.createDirectories(local.resolve("panels"));
      org.apache.hadoop.fs.Path panels = new org.apache.hadoop.fs.Path(out.child("panels"));
      FileSystem fs = panels.getFileSystem(conf.get());
      for (ExplainReport.Entry e : entries) {
        fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(out.root(), e.panel()),
            new org.apache.hadoop.fs.Path(local.resolve(e.panel()).toUri()), true);
      }
      Path md = Files.writeString(local.resolve("report.md"), markdown, StandardCharsets.UTF_8);
      Path html = HtmlReport.writeBeside(md);
      Path index = Files.writeString(local.resolve("index.html"), HtmlReport.renderLinked(markdown), StandardCharsets.UTF_8);
      out.moveFromLocal(List.of(md, html, index));
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the reports to " + out.root() + ": " + e.getMessage(), e);
    } finally {
      if (local != null) {
        deleteQuietly(local);
      }
    }
  }

  private static void deleteQuietly(Path dir) {
    try (var files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("Cannot delete {}", dir, e);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
