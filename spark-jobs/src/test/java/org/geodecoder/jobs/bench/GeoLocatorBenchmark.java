package org.geodecoder.jobs.bench;

import static org.apache.spark.sql.functions.col;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.ml.GeoLocatorModel;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.partition.PartitionOptions;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Scoring throughput through the ML stage vs the score job on the same input (runs with -Pbench
 * only): synthetic 256-pixel JPEGs in a directory tree (generated once into work/bench-ml), a
 * {@code micro} model, Spark local[*]. The stage reads the directory with Spark's {@code
 * binaryFile} source, transforms and writes Parquet; the job lists, scores and writes its
 * predictions. Each is run once to warm up (model load, JIT), then alternately {@code rounds}
 * times; printed: images/s of the whole run (read → Parquet) for each, and their ratio.
 *
 * <p>{@code -Dgeodecoder.bench.ml=400:32:3} sets images, batch size and rounds.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class GeoLocatorBenchmark {

  @Test
  void stageIsNotSlowerThanTheScoreJob() throws Exception {
    String[] spec = System.getProperty("geodecoder.bench.ml", "400:32:3").split(":");
    int images = Integer.parseInt(spec[0]);
    int batch = Integer.parseInt(spec[1]);
    int rounds = Integer.parseInt(spec[2]);
    Path dir = LocalSparkCluster.projectRoot().resolve("work/bench-ml");
    SparkSession spark = SparkSession.builder().master("local[*]").appName("GeoLocatorBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      Path data = dir.resolve("synth-" + images);
      if (!Files.exists(data.resolve(SynthJob.MANIFEST))) {
        SynthJob.run(spark, data.toString(), true, new SynthGenerator(1, "photo", 256, 0.9f), 0, images, "dir");
      }
      Path cells = dir.resolve("partition");
      PartitionJob.run(spark, PartitionOptions.parse(Map.of("output", cells.toString(), "sample-size", "20000",
          "tmin", "20", "tmax", "2000,400,150")));
      Path model = dir.resolve("model-micro");
      try (GeoModel m = GeoModel.create(ModelConfig.preset("micro",
          ClassHierarchy.fromVocabulary(org.geodecoder.jobs.partition.CellTables.read(spark, cells.toString()))), Device.cpu(), 1)) {
        m.save(model);
      }
      ScoreJob.Options job = ScoreJob.parse(Map.of("input", data.resolve("images").toString(), "model", model.toString(),
          "cells", cells.toString(), "output", dir.resolve("out-job").toString(), "overwrite", "true",
          "batch-size", Integer.toString(batch), "input-format", "dir"));
      GeoLocatorModel stage = GeoLocatorModel.load(model.toString(), cells.toString()).setInputCol("content").setBatchSize(batch);
      double jobSeconds = 0;
      double stageSeconds = 0;
      for (int round = 0; round <= rounds; round++) {
        long t0 = System.nanoTime();
        ScoreJob.Result r = ScoreJob.run(spark, job);
        double j = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        stage.transform(spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(data.resolve("images").toString()))
            .filter(col("reject_reason").isNull()).drop("content").write().mode("overwrite").parquet(dir.resolve("out-stage").toString());
        double s = (System.nanoTime() - t1) / 1e9;
        if (r.imagesScored() != images) {
          throw new AssertionError("the score job scored " + r.imagesScored() + " of " + images);
        }
        if (round > 0) { // round 0 loads the model and warms the JIT
          jobSeconds += j;
          stageSeconds += s;
        }
        System.out.printf(Locale.ROOT, "  round %d%s: score job %.2f s, stage %.2f s%n", round, round == 0 ? " (warm-up)" : "", j, s);
      }
      long written = spark.read().parquet(dir.resolve("out-stage").toString()).count();
      if (written != images) {
        throw new AssertionError("the stage wrote " + written + " of " + images + " predictions");
      }
      System.out.printf(Locale.ROOT, "%nML STAGE vs SCORE JOB (%d cores, %d synthetic 256-px JPEGs, micro, batch %d, %d rounds):%n"
              + "  score job: %.1f images/s   GeoLocatorModel (binaryFile -> transform -> Parquet): %.1f images/s   stage/job = %.2f%n",
          Runtime.getRuntime().availableProcessors(), images, batch, rounds, images * rounds / jobSeconds,
          images * rounds / stageSeconds, jobSeconds / stageSeconds);
    } finally {
      spark.stop();
    }
  }
}
