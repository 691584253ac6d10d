package org.geodecoder.jobs.bench;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Evaluate benchmark (runs with -Pbench only): 10M predictions in Parquet, evaluated through the
 * launcher (JVM and Spark start-up included). Targets: the whole job <= 30 s, metric
 * computation >= 1M predictions/s (the job logs its phase times).
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class EvaluateBenchmark {
  private static final long ROWS = Long.getLong("geodecoder.bench.predictions", 10_000_000L);

  @Test
  void evaluateTenMillionPredictions() throws Exception {
    Path root = LocalSparkCluster.projectRoot();
    Path preds = root.resolve("work/bench-evaluate/predictions-" + ROWS + ".parquet");
    if (!Files.exists(preds.resolve("_SUCCESS"))) {
      SparkSession spark = SparkSession.builder().master("local[*]").config("spark.ui.enabled", "false").getOrCreate();
      try {
        spark.range(ROWS).selectExpr("concat('img', id) AS id",
                "asin(rand(1) * 1.8 - 0.9) * 180 / pi() AS true_lat", "rand(2) * 360 - 180 AS true_lon",
                "pmod(id, 3) AS scene3", "pmod(id, 16) AS scene16", "randn(3) * exp(rand(4) * 6) / 111 AS dlat",
                "randn(5) * exp(rand(6) * 6) / 111 AS dlon")
            .selectExpr("id", "greatest(-90, least(90, true_lat + dlat)) AS lat",
                "pmod(true_lon + dlon + 180, 360) - 180 AS lon", "true_lat", "true_lon", "scene3", "scene16")
            .write().mode("overwrite").parquet(preds.toString());
      } finally {
        spark.stop();
      }
    }
    Path out = root.resolve("work/bench-evaluate/out");
    File log = Files.createTempFile("evaluate-bench-", ".log").toFile();
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder("bash", root.resolve("submit-scripts/geodecoder").toString(), "evaluate",
        "--predictions", "bench=" + preds, "--output", out.toString(), "--overwrite", "true")
        .redirectErrorStream(true).redirectOutput(log).start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new AssertionError("evaluate failed: " + Files.readString(log.toPath()));
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    String phases = Files.readAllLines(log.toPath()).stream().filter(l -> l.contains("phases")).findFirst().orElse("?");
    System.out.printf("%nEVALUATE BENCHMARK (%d predictions, %d cores)%n", ROWS, Runtime.getRuntime().availableProcessors());
    System.out.printf("  whole job through the launcher (start-up included): %.1f s (target <= 30 s)%n", wall);
    System.out.println("  " + phases);
  }
}
