package org.geodecoder.jobs.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Ingest throughput (runs with -Pbench only): 100k synthetic 256-pixel JPEGs (generated once
 * into work/bench-ingest), ingested from a directory tree and from tar archives on Spark
 * local[*]. Prints images/s of the image phase and of the whole job. Target: >= 1,000 images/s.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class IngestBenchmark {
  private static final long IMAGES = Long.getLong("geodecoder.bench.images", 100_000L);

  @Test
  void ingestThroughput() throws Exception {
    Path dir = LocalSparkCluster.projectRoot().resolve("work/bench-ingest");
    SparkSession spark = SparkSession.builder().master("local[*]").appName("IngestBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      Path data = dir.resolve("synth-" + IMAGES);
      if (!Files.exists(data.resolve(SynthJob.MANIFEST))) {
        long t = System.nanoTime();
        SynthJob.run(spark, data.toString(), true, new SynthGenerator(1, "photo", 256, 0.9f), 0, IMAGES, "both");
        System.out.printf("generated %d images in %.1f s%n", IMAGES, (System.nanoTime() - t) / 1e9);
      }
      System.out.printf("%nINGEST BENCHMARK (%d synthetic 256-px JPEGs, %d cores)%n", IMAGES,
          Runtime.getRuntime().availableProcessors());
      for (String layout : new String[] {"images", "tars"}) {
        Path out = dir.resolve("out-" + layout);
        long t = System.nanoTime();
        IngestJob.Result r = IngestJob.run(spark, IngestOptions.parse(Map.of(
            "manifest", data.resolve(SynthJob.MANIFEST).toString(), "images", data.resolve(layout).toString(),
            "output", out.toString(), "overwrite", "true")));
        double wall = (System.nanoTime() - t) / 1e9;
        JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
        System.out.printf("  from %-6s: %d images, image phase %.0f images/s, whole job %.1f s = %.0f images/s; phases %s%n",
            layout.equals("images") ? "dir" : "tar", r.imagesWritten(), r.imagesPerSecond(), wall,
            r.imagesWritten() / wall, summary.get("phase_seconds"));
      }
      System.out.println("  target: >= 1,000 images/s");
    } finally {
      spark.stop();
    }
  }
}
