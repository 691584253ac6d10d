package org.geodecoder.jobs.bench;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.jobs.testing.TestData;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Score throughput (runs with -Pbench only): synthetic 256-pixel JPEGs (generated once into
 * work/bench-score) scored from a directory tree on Spark local[*] by a {@code micro} and a
 * {@code swin_tiny} model with the paper's decoder and class counts (7 hierarchies, 684 …
 * 21673 classes, 16 scenes; random weights: the cost does not depend on their values). Each
 * preset runs twice; the first run loads the model and warms the JIT, the second is reported:
 * images/s of the scoring phase, the task time split into read, decode+transform, forward and
 * write with forward's share (target: ≥ 80 %), and the share of the scoring phase the model
 * spent in forward passes.
 *
 * <p>{@code -Dgeodecoder.bench.presets=micro:400:32,swin_tiny:64:8} chooses presets, image counts
 * and batch sizes. swin_tiny runs with batch 8 by default: a forward pass keeps all its
 * activations until it ends (about 0.2 GB per 224-px image), and the model takes about 4 GB
 * while loading, which is what a shared 24 GB machine can give.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class ScoreBenchmark {
  private static final int[] PAPER_CLASSES = {684, 1744, 3298, 7202, 12893, 16150, 21673};

  @Test
  void scoreThroughput() throws Exception {
    Path dir = LocalSparkCluster.projectRoot().resolve("work/bench-score");
    String presets = System.getProperty("geodecoder.bench.presets", "micro:400:32,swin_tiny:64:8");
    SparkSession spark = SparkSession.builder().master("local[*]").appName("ScoreBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      ClassHierarchy paper = paperHierarchy();
      System.out.printf(Locale.ROOT, "%nSCORE BENCHMARK (%d cores, synthetic 256-px JPEGs, paper class counts, centre crop)%n",
          Runtime.getRuntime().availableProcessors());
      for (String item : presets.split(",")) {
        String[] parts = item.split(":");
        String preset = parts[0].trim();
        int images = Integer.parseInt(parts[1].trim());
        String batch = parts.length > 2 ? parts[2].trim() : "32";
        Path data = dir.resolve("synth-" + images);
        if (!Files.exists(data.resolve(SynthJob.MANIFEST))) {
          SynthJob.run(spark, data.toString(), true, new SynthGenerator(1, "photo", 256, 0.9f), 0, images, "dir");
        }
        Path model = dir.resolve("model-" + preset);
        if (!Files.exists(model.resolve("parameters.safetensors"))) {
          try (GeoModel m = GeoModel.create(ModelConfig.preset(preset, paper), Device.cpu(), 1)) {
            m.save(model);
          }
        }
        ScoreJob.Options o = ScoreJob.parse(Map.of("input", data.resolve("images").toString(), "model", model.toString(),
            "output", dir.resolve("out-" + preset).toString(), "overwrite", "true", "batch-size", batch,
            "input-format", "dir"));
        long t0 = System.nanoTime();
        ScoreJob.Result cold = ScoreJob.run(spark, o);
        double coldWall = (System.nanoTime() - t0) / 1e9;
        long t1 = System.nanoTime();
        ScoreJob.Result r = ScoreJob.run(spark, o);
        double wall = (System.nanoTime() - t1) / 1e9;
        Map<String, Double> s = r.taskSeconds();
        System.out.printf(Locale.ROOT, "  %-9s %4d images, batch %s: %6.1f images/s scoring (whole job %.1f s; first run with model load %.1f s, %.1f images/s)%n",
            preset, r.imagesScored(), batch, r.imagesPerSecond(), wall, coldWall, cold.imagesPerSecond());
        System.out.printf(Locale.ROOT, "            task s: read %.2f, decode+transform %.2f, forward %.2f, write %.2f (waiting for the model %.2f)"
                + " -> forward %.1f %% of the task time (target >= 80 %%); model busy %.1f %% of the scoring phase%n",
            s.get("read"), s.get("decode_transform"), s.get("forward"), s.get("write"), s.get("forward_wait"),
            100 * r.forwardFraction(), 100 * r.modelUtilization());
      }
    } finally {
      spark.stop();
    }
  }

  /** The paper's class counts; parents in contiguous blocks, locations of realistic photo points. */
  private static ClassHierarchy paperHierarchy() {
    int n = PAPER_CLASSES.length;
    int[][] parents = new int[n][];
    double[][] lat = new double[n][];
    double[][] lon = new double[n][];
    double[][] points = TestData.points(PAPER_CLASSES[n - 1], 3);
    for (int h = 0; h < n; h++) {
      int k = PAPER_CLASSES[h];
      lat[h] = java.util.Arrays.copyOf(points[0], k);
      lon[h] = java.util.Arrays.copyOf(points[1], k);
      if (h > 0) {
        parents[h] = new int[k];
        for (int c = 0; c < k; c++) {
          parents[h][c] = (int) ((long) c * PAPER_CLASSES[h - 1] / k);
        }
      }
    }
    return ClassHierarchy.fromArrays(PAPER_CLASSES, parents, lat, lon);
  }
}
