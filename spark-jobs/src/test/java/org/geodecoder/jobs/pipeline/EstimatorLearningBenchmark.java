package org.geodecoder.jobs.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.jobs.cli.JobCatalog;
import org.geodecoder.jobs.evaluate.EvaluateJob;
import org.geodecoder.jobs.ml.GeoDecoderEstimator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GeoDecoderEstimator.fit} learns (runs with -Pbench only: a pipeline-sized training, many
 * minutes on a CPU): the pipeline's synthetic data (its synth and ingest stages with the default
 * options), the split column dropped, fitted in a Spark ML {@code Pipeline} with the pipeline's
 * partition and train options; the held-out photos and the uniform set are geolocated by the
 * fitted stage and evaluated against the pipeline's two baselines fitted on the same training
 * split: the same bound as {@code PipelineJobTest} (lower median error and higher mean GeoScore
 * than each baseline, on both sets).
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class EstimatorLearningBenchmark {
  @TempDir Path tmp;

  @Test
  void fitBeatsThePipelinesBaselines() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("EstimatorLearningBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      PipelineOptions o = PipelineOptions.parse(Map.of("output", tmp.resolve("data").toString()));
      String data = tmp.resolve("data").toString();
      JobCatalog jobs = JobCatalog.registered();
      jobs.run(spark, "synth", Map.of("output", data + "/synth", "count", Long.toString(o.count()), "distribution", "photo",
          "image-size", Integer.toString(o.imageSize()), "seed", Long.toString(o.seed()), "layout", "dir"), "synth");
      jobs.run(spark, "synth", Map.of("output", data + "/synth-uniform", "count", Long.toString(o.uniformCount()),
          "distribution", "uniform", "image-size", Integer.toString(o.imageSize()), "seed", Long.toString(o.seed() + 1),
          "layout", "dir", "first-index", Long.toString(o.count())), "synth uniform");
      jobs.run(spark, "ingest", Map.of("manifest", data + "/synth/manifest.csv", "output", data + "/ingest", "split", "none"), "ingest");
      jobs.run(spark, "ingest", Map.of("manifest", data + "/synth-uniform/manifest.csv", "output", data + "/ingest-uniform",
          "split", "none"), "ingest uniform");
      Dataset<Row> photos = spark.read().parquet(data + "/ingest/shards").drop("split");

      String work = tmp.resolve("estimator").toString();
      GeoDecoderEstimator estimator = new GeoDecoderEstimator().setWorkDir(work).setAuthorCol("author")
          .setValFraction(Double.parseDouble(o.valFraction())).setTmin(o.tmin()).setTmax(o.tmax()).setPreset(o.preset())
          .setEpochs(Integer.parseInt(o.epochs())).setBatchSize(Integer.parseInt(o.batchSize())).setLr(Double.parseDouble(o.lr()))
          .setMilestones(o.milestones()).setSeed(o.seed()).setValSamples((int) Math.max(1, o.count()));
      long t0 = System.nanoTime();
      PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {estimator}).fit(photos);
      double fitSeconds = (System.nanoTime() - t0) / 1e9;

      Dataset<Row> heldout = spark.read().parquet(work + "/shards").filter(col("split").equalTo("val")).drop("split");
      Dataset<Row> uniform = spark.read().parquet(data + "/ingest-uniform/shards").drop("split");
      Baselines baselines = Baselines.fit(spark, work + "/shards", work + "/partition/labels.parquet",
          work + "/partition/cells.parquet");
      Map<String, String> sets = new LinkedHashMap<>();
      for (Map.Entry<String, Dataset<Row>> e : Map.of("heldout", heldout, "uniform", uniform).entrySet()) {
        String out = tmp.resolve("predictions/" + e.getKey()).toString();
        fitted.transform(e.getValue()).filter(col("reject_reason").isNull())
            .select(col("id"), col("pred_lat").as("lat"), col("pred_lon").as("lon"), col("lat").as("true_lat"),
                col("lon").as("true_lon")).write().parquet(out);
        sets.put(e.getKey(), out);
        baselines.writePredictions(e.getValue(), tmp.resolve("baselines/" + e.getKey()).toString());
        for (Baselines.Point p : baselines.points()) {
          sets.put(e.getKey() + "-" + p.name(), tmp.resolve("baselines/" + e.getKey() + "/" + p.name()).toString());
        }
      }
      StringBuilder predictions = new StringBuilder();
      sets.forEach((k, v) -> predictions.append(predictions.length() > 0 ? "," : "").append(k).append('=').append(v));
      EvaluationResult r = EvaluateJob.run(spark, EvaluateJob.parse(Map.of("predictions", predictions.toString(),
          "output", tmp.resolve("evaluate").toString(), "paper-comparison", "false")));
      StringBuilder table = new StringBuilder(String.format(Locale.ROOT, "%nESTIMATOR LEARNING (fit %.0f s)%n", fitSeconds));
      boolean beats = true;
      for (String split : new String[] {"heldout", "uniform"}) {
        DatasetEvaluation model = r.dataset(split).orElseThrow();
        for (Baselines.Point p : baselines.points()) {
          DatasetEvaluation b = r.dataset(split + "-" + p.name()).orElseThrow();
          boolean wins = model.overall().medianKm() < b.overall().medianKm()
              && model.overall().meanGeoScore() > b.overall().meanGeoScore();
          beats &= wins;
          table.append(String.format(Locale.ROOT, "  %-8s model median %.0f km, GeoScore %.0f vs %s median %.0f km, GeoScore %.0f: %s%n",
              split, model.overall().medianKm(), model.overall().meanGeoScore(), p.name(), b.overall().medianKm(),
              b.overall().meanGeoScore(), wins ? "beats" : "does NOT beat"));
        }
      }
      System.out.print(table);
      assertTrue(beats, table.toString());
    } finally {
      spark.stop();
    }
  }
}
