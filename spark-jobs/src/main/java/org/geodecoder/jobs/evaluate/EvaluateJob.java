package org.geodecoder.jobs.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.trim;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataTypes;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.eval.analysis.DatasetAnalyzer;
import org.geodecoder.eval.report.ReportWriter;
import org.geodecoder.eval.report.SceneNames;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.LocationRows;
import org.geodecoder.jobs.io.NamedInputs;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder evaluate}: distance-threshold accuracies, median/mean/percentile errors and
 * GeoScore of one or more prediction sets (ours, or any system's CSV/Parquet with id, lat, lon),
 * against the true locations carried in the predictions or in a ground-truth table joined on
 * id. Writes {@code metrics.json}, {@code report.md}, PNG plots and {@code per_image.parquet};
 * rows that cannot be scored go to {@code rejects/} with a reason.
 */
public final class EvaluateJob extends AbstractJob {
  public static final String NAME = "evaluate";
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("predictions", "comma-separated prediction sets, each [name=]uri (CSV or Parquet with id, lat, lon; optional true_lat, true_lon, dataset, scene3/scene, scene16)"),
      OptionSpec.withDefault("ground-truth", "", "CSV/Parquet with id and true locations (e.g. an MP-16-style metadata file), joined on id when predictions carry no truth"),
      OptionSpec.withDefault("labels", "", "partition's labels.parquet (id, label_h1..): with class_label_h* columns in the predictions, gives accuracy per hierarchy"),
      OptionSpec.withDefault("output", "demo-output/evaluate", "output directory (any Hadoop URI)"),
      OptionSpec.withDefault("id-col", "auto", "id column of predictions and ground truth; auto: id, IMG_ID, image_id"),
      OptionSpec.withDefault("gt-lat-col", "auto", "ground-truth latitude column; auto: true_lat, LAT, lat, latitude"),
      OptionSpec.withDefault("gt-lon-col", "auto", "ground-truth longitude column; auto: true_lon, LON, lon, lng, longitude"),
      OptionSpec.withDefault("thresholds", "1,25,200,750,2500", "accuracy thresholds in km"),
      OptionSpec.withDefault("scene-names", "none", SceneNamesOption.HELP),
      OptionSpec.withDefault("paper-comparison", true, "add the paper's Table 1 rows to the report and the accuracy curve"),
      OptionSpec.withDefault("city-radius-km", 25, "dataset analysis: an image counts for its nearest city within this radius"),
      OptionSpec.withDefault("max-reject-fraction", 0.01, "fail when more than this fraction of rows cannot be scored"),
      OptionSpec.withDefault("duplicates", "fail", "ids with more than one row in a prediction set or in the ground truth:"
          + " fail (report them, the rows in rejects/) or first (keep each id's first row in file order; the others go to rejects/)"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"));

  private static final List<String> ID = List.of("id", "IMG_ID", "image_id", "photo_id");

  public EvaluateJob() {
    super(NAME, "Accuracy at 1/25/200/750/2500 km, median error, reports and plots for prediction sets", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  /** Validated options. */
  record Options(List<NamedInputs.NamedInput> predictions, String groundTruth, String labels, String output, String idCol, String gtLatCol,
      String gtLonCol, double[] thresholdsKm, boolean paperComparison, double cityRadiusKm, double maxRejectFraction,
      boolean overwrite, boolean firstOfDuplicates, String sceneNames, Map<String, String> resolved) {}

  public static Options parse(Map<String, String> values) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, values);
    List<NamedInputs.NamedInput> sets = NamedInputs.parse(r.requiredString("predictions"), r.describe("predictions"));
    java.util.Set<String> names = new java.util.HashSet<>();
    for (NamedInputs.NamedInput set : sets) {
      if (!names.add(set.name())) {
        throw r.bad("predictions", r.raw("predictions"), "the set name '" + set.name() + "' is given twice; each set"
            + " needs its own name (name=uri), or its rows would be merged and counted twice");
      }
    }
    long[] th = r.longList("thresholds", 0);
    double[] thresholds = Arrays.stream(th).asDoubleStream().toArray();
    for (int i = 1; i < thresholds.length; i++) {
      if (thresholds[i] <= thresholds[i - 1]) {
        throw r.bad("thresholds", r.raw("thresholds"), "must increase");
      }
    }
    String gt = r.string("ground-truth");
    String labels = r.string("labels");
    return new Options(sets, gt == null || gt.isEmpty() ? null : gt, labels == null || labels.isEmpty() ? null : labels,
        r.requiredString("output"), r.requiredString("id-col"),
        r.requiredString("gt-lat-col"), r.requiredString("gt-lon-col"), thresholds, r.bool("paper-comparison"),
        r.doubleValue("city-radius-km", 0.001, 20_000), r.doubleValue("max-reject-fraction", 0, 1), r.bool("overwrite"),
        "first".equals(r.choice("duplicates", "fail", "first")), r.string("scene-names"), r.resolved());
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    Options o = parse(options);
    return spark -> run(spark, o);
  }

  /** Runs the evaluation; returns the result (also written to metrics.json). */
  public static EvaluationResult run(SparkSession spark, Options o) {
    LOG.info("evaluate: options {}", o.resolved());
    Map<String, String> inputs = new java.util.LinkedHashMap<>();
    o.predictions().forEach(p -> inputs.put("--predictions " + p.name(), p.uri()));
    inputs.put("--ground-truth", o.groundTruth());
    inputs.put("--labels", o.labels());
    // Read before any work: a wrong names file is a usage error, not a failed evaluation.
    SceneNames sceneNames = SceneNamesOption.load(o.sceneNames(), spark.sparkContext().hadoopConfiguration(),
        "--scene-names");
    OutputDir out = OutputDir.prepare(spark, o.output(), o.overwrite(), "--output", inputs);
    try {
      EvaluationResult result = run(spark, o, out, sceneNames);
      out.commit(NAME);
      return result;
    } finally {
      out.abort(); // no-op after commit or keepFailed
    }
  }

  private static EvaluationResult run(SparkSession spark, Options o, OutputDir out, SceneNames sceneNames) {
    PhaseTimer phases = new PhaseTimer();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Dataset<Row> truth = o.groundTruth() == null ? null : InputTables.read(spark, o.groundTruth(), "auto", "--ground-truth")
        .withColumn(DuplicateIds.ROW, org.apache.spark.sql.functions.monotonically_increasing_id());

    Dataset<Row> all = null;
    for (NamedInputs.NamedInput set : o.predictions()) {
      Dataset<Row> rows = scoredRows(spark, set.name(), set.uri(), truth, o);
      all = all == null ? rows : all.unionByName(rows);
    }
    spark.udf().register("great_circle_km",
        (UDF4<Double, Double, Double, Double, Double>) (a, b, c, d) -> GreatCircle.distanceKm(a, b, c, d), DataTypes.DoubleType);
    Column bad = col("true_lat").isNull().or(col("lat").isNull()).or(expr("abs(true_lat) > 90 OR abs(lat) > 90 OR abs(true_lon) > 180 OR abs(lon) > 180"));
    Column reason = org.apache.spark.sql.functions.when(col("true_lat").isNull(), lit("no_ground_truth"))
        .when(col("lat").isNull(), lit("invalid_prediction"))
        .when(bad, lit("coordinates_out_of_range"));
    all = all.cache();
    Dataset<Row> cached = all;
    Dataset<Row> extra = null;
    DuplicateIds.Found predDup = DuplicateIds.inPredictions(all);
    Dataset<Row> gtTable = truth == null ? null : groundTruth(truth, o);
    DuplicateIds.Found gtDup = gtTable == null ? new DuplicateIds.Found(0, List.of()) : DuplicateIds.inGroundTruth(gtTable);
    if (predDup.any() || gtDup.any()) {
      String what = (predDup.any() ? "--predictions: " + predDup.describe() : "")
          + (predDup.any() && gtDup.any() ? "; " : "") + (gtDup.any() ? "--ground-truth " + o.groundTruth() + ": " + gtDup.describe() : "");
      if (!o.firstOfDuplicates()) {
        DuplicateIds.affected(all, gtDup.any() ? DuplicateIds.keys(gtTable, "gt_id") : null)
            .drop("scene3", "scene16", "pred_classes", "true_classes", DuplicateIds.ROW).write().parquet(out.child("rejects"));
        out.keepFailed();
        cached.unpersist();
        throw new JobFailedException("Duplicate ids, each would be counted more than once: " + what + ". The affected rows are in "
            + out.child("rejects") + " (reasons " + DuplicateIds.IN_PREDICTIONS + ", " + DuplicateIds.IN_GROUND_TRUTH + "). Fix the"
            + " inputs, or pass --duplicates first to keep the first row of each id (in file order)");
      }
      LOG.warn("evaluate: {}; --duplicates first: keeping the first row of each id, the other prediction rows go to rejects/", what);
      Dataset<Row> numbered = DuplicateIds.numbered(all, "dataset", "id");
      extra = numbered.filter(col("_n").gt(1)).drop("_n").withColumn("reason", lit(DuplicateIds.IN_PREDICTIONS));
      all = numbered.filter(col("_n").equalTo(1)).drop("_n");
    }
    Dataset<Row> classified = all.withColumn("reason", reason).cache();
    try {
      long total = classified.count();
      List<Row> rejectCounts = classified.filter(col("reason").isNotNull()).groupBy("reason").count().collectAsList();
      long rejected = rejectCounts.stream().mapToLong(x -> x.getLong(1)).sum();
      Dataset<Row> rejectRows = classified.filter(col("reason").isNotNull());
      if (extra != null) {
        rejectRows = rejectRows.unionByName(extra);
      }
      if (rejected > 0 || extra != null) {
        rejectRows.drop("scene3", "scene16", "pred_classes", "true_classes", DuplicateIds.ROW).write().parquet(out.child("rejects"));
      }
      if (rejected > 0) {
        LOG.warn("{} of {} rows cannot be scored: {}", rejected, total, rejectCounts);
      }
      if (total == 0) {
        throw new JobFailedException("The predictions " + o.predictions().stream().map(NamedInputs.NamedInput::uri).toList()
            + " have no rows: nothing to evaluate");
      }
      if (rejected > o.maxRejectFraction() * total) {
        out.keepFailed();
        throw new JobFailedException(rejected + " of " + total + " prediction rows cannot be scored (" + rejectCounts
            + "), more than --max-reject-fraction " + o.maxRejectFraction() + " allows; see " + out.child("rejects"));
      }
      Dataset<Row> scored = classified.filter(col("reason").isNull()).drop("reason");
      if (o.labels() != null) {
        List<String> without = scored.filter(col("pred_classes").isNull()).select("dataset").distinct().orderBy("dataset")
            .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
        if (!without.isEmpty()) {
          LOG.info("No per-hierarchy accuracy for {}: their predictions have no class_label_h* columns (or ids without labels)", without);
        }
      }
      phases.end("read");

      jsc.setJobDescription("evaluate: metrics");
      double radius = o.cityRadiusKm();
      EvaluationPartial partial = scored.select("dataset", "true_lat", "true_lon", "lat", "lon", "scene3", "scene16",
              "pred_classes", "true_classes")
          .javaRDD().mapPartitions(it -> {
            EvaluationPartial p = new EvaluationPartial();
            DatasetAnalyzer analyzer = DatasetAnalyzer.worldCities(radius);
            while (it.hasNext()) {
              Row r = it.next();
              String ds = r.getString(0);
              if (!r.isNullAt(7) && !r.isNullAt(8) && r.getList(7).size() == r.getList(8).size()) {
                p.metrics.add(ds, r.getDouble(1), r.getDouble(2), r.getDouble(3), r.getDouble(4), r.getInt(5), r.getInt(6),
                    ints(r.getList(7)), ints(r.getList(8)));
              } else {
                p.metrics.add(ds, r.getDouble(1), r.getDouble(2), r.getDouble(3), r.getDouble(4), r.getInt(5), r.getInt(6));
              }
              analyzer.add(p.analyses.computeIfAbsent(ds, analyzer::newAccumulator), r.getDouble(1), r.getDouble(2));
            }
            return List.of(p).iterator();
          }).treeReduce(EvaluationPartial::merge);
      EvaluationResult result = partial.metrics.result(DistanceThresholds.ofKm(o.thresholdsKm()));
      DatasetAnalyzer analyzer = DatasetAnalyzer.worldCities(radius);
      List<DatasetAnalysis> analyses = new ArrayList<>();
      partial.analyses.values().forEach(a -> analyses.add(analyzer.result(a)));
      phases.end("metrics");

      jsc.setJobDescription("evaluate: per-image distances");
      scored.withColumn("distance_km", expr("great_circle_km(true_lat, true_lon, lat, lon)"))
          .select("dataset", "id", "lat", "lon", "true_lat", "true_lon", "distance_km")
          .write().parquet(out.child("per_image.parquet"));
      writeReport(spark, out, result, analyses, o.paperComparison(), sceneNames);
      phases.end("write");
      LOG.info("evaluate: {} predictions in {} datasets, phases {} s; report in {}", total - rejected,
          result.datasets().size(), phases.seconds(), new org.apache.hadoop.fs.Path(out.target(), "report.md"));
      return result;
    } finally {
      classified.unpersist();
      cached.unpersist();
    }
  }

  /** One prediction set as (dataset, id, lat, lon, true_lat, true_lon, scene3, scene16). */
  static Dataset<Row> scoredRows(SparkSession spark, String name, String uri, Dataset<Row> truth, Options o) {
    Dataset<Row> p = InputTables.read(spark, uri, "auto", "--predictions")
        .withColumn(DuplicateIds.ROW, org.apache.spark.sql.functions.monotonically_increasing_id());
    String id = InputTables.column(p, o.idCol(), ID, "--id-col", uri);
    String lat = InputTables.column(p, "auto", List.of("lat", "pred_lat", "LAT", "latitude"), "--predictions (lat)", uri);
    String lon = InputTables.column(p, "auto", List.of("lon", "pred_lon", "LON", "lng", "longitude"), "--predictions (lon)", uri);
    List<String> cols = Arrays.asList(p.columns());
    // A named set is one dataset; an unnamed one may carry a dataset column (several datasets).
    Column datasetCol = cols.contains("dataset") && !uri.isEmpty() && isUnnamed(name, uri) ? col("dataset").cast("string") : lit(name);
    Column s3 = cols.contains("scene3") ? expr("coalesce(try_cast(scene3 AS INT), -1)") : lit(-1);
    Column s16 = cols.contains("scene16") ? expr("coalesce(try_cast(scene16 AS INT), -1)") : cols.contains("scene")
        ? expr("coalesce(try_cast(scene AS INT), -1)") : lit(-1);
    Dataset<Row> rows = p.select(datasetCol.as("dataset"), trim(col(LocationRows.quote(id)).cast("string")).as("id"),
        expr("try_cast(" + LocationRows.quote(lat) + " AS DOUBLE)").as("lat"),
        expr("try_cast(" + LocationRows.quote(lon) + " AS DOUBLE)").as("lon"),
        cols.contains("true_lat") ? expr("try_cast(true_lat AS DOUBLE)").as("true_lat") : lit(null).cast("double").as("true_lat"),
        cols.contains("true_lon") ? expr("try_cast(true_lon AS DOUBLE)").as("true_lon") : lit(null).cast("double").as("true_lon"),
        s3.as("scene3"), s16.as("scene16"), predictedClasses(p).as("pred_classes"), col(DuplicateIds.ROW));
    if (cols.contains("true_lat") && cols.contains("true_lon")) {
      return withTrueClasses(spark, rows, o);
    }
    if (truth == null) {
      throw new OptionException("Predictions " + uri + " carry no true_lat/true_lon: give --ground-truth");
    }
    Dataset<Row> gt = DuplicateIds.firstOfEach(groundTruth(truth, o));
    Dataset<Row> joined = rows.drop("true_lat", "true_lon").join(gt, col("id").equalTo(col("gt_id")), "left")
        .select(col("dataset"), col("id"), col("lat"), col("lon"), col("gt_lat").as("true_lat"), col("gt_lon").as("true_lon"),
            col("scene3"), col("scene16"), col("pred_classes"), col(DuplicateIds.ROW));
    return withTrueClasses(spark, joined, o);
  }

  /** The ground truth as (gt_id, gt_lat, gt_lon, _row). */
  static Dataset<Row> groundTruth(Dataset<Row> truth, Options o) {
    String gid = InputTables.column(truth, o.idCol(), ID, "--id-col", o.groundTruth());
    String glat = InputTables.column(truth, o.gtLatCol(), List.of("true_lat", "LAT", "lat", "latitude"), "--gt-lat-col", o.groundTruth());
    String glon = InputTables.column(truth, o.gtLonCol(), List.of("true_lon", "LON", "lon", "lng", "longitude"), "--gt-lon-col", o.groundTruth());
    return truth.select(trim(col(LocationRows.quote(gid)).cast("string")).as("gt_id"),
        expr("try_cast(" + LocationRows.quote(glat) + " AS DOUBLE)").as("gt_lat"),
        expr("try_cast(" + LocationRows.quote(glon) + " AS DOUBLE)").as("gt_lon"), col(DuplicateIds.ROW));
  }

  private static boolean isUnnamed(String name, String uri) {
    return name.equals(new org.apache.hadoop.fs.Path(uri).getName().replaceAll("\\.(csv|parquet)$", ""));
  }

  private static int[] ints(List<Object> values) {
    int[] out = new int[values.size()];
    for (int i = 0; i < out.length; i++) {
      Object v = values.get(i);
      out[i] = v == null ? -1 : ((Number) v).intValue();
    }
    return out;
  }

  /** Columns name_h1, name_h2, … present in a table, in hierarchy order. */
  static List<String> hierarchyColumns(List<String> columns, String name) {
    List<String> out = new ArrayList<>();
    for (int h = 1; columns.contains(name + "_h" + h); h++) {
      out.add(name + "_h" + h);
    }
    return out;
  }

  /** pred_classes: the predictions' class_label_h* columns as an int array, or null. */
  static Column predictedClasses(Dataset<Row> predictions) {
    List<String> predicted = hierarchyColumns(Arrays.asList(predictions.columns()), "class_label");
    return predicted.isEmpty() ? lit(null).cast("array<int>")
        : org.apache.spark.sql.functions.array(predicted.stream().map(c -> col(c).cast("int")).toArray(Column[]::new));
  }

  /** Adds true_classes from --labels (joined on id), or nulls. */
  static Dataset<Row> withTrueClasses(SparkSession spark, Dataset<Row> rows, Options o) {
    if (o.labels() == null) {
      return rows.withColumn("true_classes", lit(null).cast("array<int>"));
    }
    Dataset<Row> labels = InputTables.read(spark, o.labels(), "auto", "--labels");
    List<String> truth = hierarchyColumns(Arrays.asList(labels.columns()), "label");
    if (truth.isEmpty()) {
      throw new OptionException("--labels " + o.labels() + " has no label_h1.. columns; give partition's labels.parquet");
    }
    Column t = org.apache.spark.sql.functions.array(truth.stream().map(c -> col(c).cast("int")).toArray(Column[]::new));
    return rows.join(labels.select(trim(col("id").cast("string")).as("l_id"), t.as("true_classes")),
        col("id").equalTo(col("l_id")), "left").drop("l_id");
  }

  /** The report library writes to a local directory; copy it to the output (any Hadoop URI). */
  private static void writeReport(SparkSession spark, OutputDir out, EvaluationResult result, List<DatasetAnalysis> analyses,
      boolean paper, SceneNames sceneNames) {
    try {
      Path local = Files.createTempDirectory("geodecoder-report-");
      out.moveFromLocal(ReportWriter.write(local, result, analyses, paper, sceneNames));
      Files.deleteIfExists(local);
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the report to " + out.root() + ": " + e.getMessage(), e);
    }
  }
}
