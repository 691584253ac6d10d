package org.geodecoder.jobs.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synth benchmark (runs with -Pbench only): 64-px images per second on 2 threads, side by side
 * in one JVM: "before" (the Java2D scene, noise through getRGB/setRGB, a JPEG writer looked up
 * for each image: the renderer as it was) against "after" (the same scene, noise straight into
 * the raster, one writer per thread: the same bytes), with the CPU time per image (less
 * sensitive than wall time to other processes); then the synth job itself on Spark local[2]
 * (files and manifest written). Target: >= 1,000 images/s at 64 px on 2 cores.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class SynthBenchmark {
  private static final int IMAGES = Integer.getInteger("geodecoder.bench.images", 4000);

  @TempDir Path tmp;

  interface Maker {
    byte[] jpeg(SyntheticImageRenderer.Spec spec, int size) throws Exception;
  }

  @Test
  void imagesPerSecondBeforeAndAfter() throws Exception {
    Maker before = (spec, size) -> {
      SplittableRandom r = new SplittableRandom(spec.seed());
      BufferedImage img = SyntheticImageRenderer.drawScene(spec, size, r);
      SyntheticImageRendererTest.formerNoise(img, r, SyntheticImageRenderer.NOISE_AMPLITUDE);
      return SyntheticImageRendererTest.freshWriterJpeg(img, 0.9f);
    };
    Maker after = (spec, size) -> SynthGenerator.encodeJpeg(SyntheticImageRenderer.render(spec, size), 0.9f);
    List<SyntheticImageRenderer.Spec> specs = new ArrayList<>();
    for (Object[] s : SyntheticImageRendererTest.specs(IMAGES)) {
      specs.add((SyntheticImageRenderer.Spec) s[0]);
    }
    System.out.printf("%nSYNTH BENCHMARK (%d images of 64 px per run, 2 threads, %d cores, load average %.1f)%n",
        IMAGES, Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    run("warm-up before", before, specs.subList(0, 500));
    run("warm-up after ", after, specs.subList(0, 500));
    double[] b = new double[2];
    double[] a = new double[2];
    for (int round = 0; round < 2; round++) {
      b[round] = run("before (Java2D, getRGB/setRGB noise, writer per image)", before, specs);
      a[round] = run("after  (Java2D, raster noise, writer per thread)      ", after, specs);
    }
    System.out.printf("  speed-up (images/s, best of 2): %.2fx%n", Math.max(a[0], a[1]) / Math.max(b[0], b[1]));

    SparkSession spark = SparkSession.builder().master("local[2]").appName("SynthBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      SynthGenerator generator = new SynthGenerator(7, "photo", 64, 0.9f);
      SynthJob.run(spark, tmp.resolve("warm").toString(), true, generator, 0, 500, "dir");
      for (int round = 0; round < 2; round++) {
        long t0 = System.nanoTime();
        SynthJob.run(spark, tmp.resolve("synth").toString(), true, generator, 0, IMAGES, "dir");
        double seconds = (System.nanoTime() - t0) / 1e9;
        long files;
        try (Stream<Path> s = Files.walk(tmp.resolve("synth/images"))) {
          files = s.filter(Files::isRegularFile).count();
        }
        assertEquals(IMAGES, files);
        System.out.printf("  synth job, local[2], dir layout, manifest included: %d images in %.2f s = %.0f images/s (target >= 1000)%n",
            IMAGES, seconds, IMAGES / seconds);
      }
    } finally {
      spark.stop();
    }
  }

  /** Renders and encodes the specs on 2 threads; prints and returns images/s. */
  private static double run(String label, Maker m, List<SyntheticImageRenderer.Spec> specs) throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    int n = specs.size();
    try {
      long t0 = System.nanoTime();
      List<Future<Long>> parts = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        parts.add(pool.submit(() -> {
          long c0 = mx.getCurrentThreadCpuTime();
          long bytes = 0;
          for (int i = thread; i < n; i += 2) {
            bytes += m.jpeg(specs.get(i), 64).length;
          }
          assertTrue(bytes > 0);
          return mx.getCurrentThreadCpuTime() - c0;
        }));
      }
      long cpu = 0;
      for (Future<Long> f : parts) {
        cpu += f.get();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("  %s: %5.0f images/s (%.2f s wall), %.0f us CPU per image%n", label, n / seconds, seconds, cpu / 1e3 / n);
      return n / seconds;
    } finally {
      pool.shutdownNow();
    }
  }
}
