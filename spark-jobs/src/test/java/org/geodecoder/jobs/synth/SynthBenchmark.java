package org.geodecoder.jobs.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Synth benchmark (runs with -Pbench only): 64-px images per second on 2 threads, the former
 * Java2D renderer with a JPEG writer looked up per image ("before") against the raster renderer
 * ("after"), side by side in one JVM, with the CPU time per image (less sensitive than wall
 * time to other processes on the machine); then the synth job itself on Spark local[2] (files
 * written, manifest included). Target: >= 1,000 images/s at 64 px on 2 cores.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class SynthBenchmark {
  private static final int IMAGES = Integer.getInteger("geodecoder.bench.images", 4000);

  @TempDir Path tmp;

  @Test
  void imagesPerSecondBeforeAndAfter() throws Exception {
    SynthGenerator before = new SynthGenerator(7, "photo", 64, 0.9f,
        (spec, size, quality) -> legacyEncodeJpeg(LegacySyntheticImageRenderer.render(spec, size), quality));
    SynthGenerator after = new SynthGenerator(7, "photo", 64, 0.9f);
    System.out.printf("%nSYNTH BENCHMARK (%d images of 64 px per run, 2 threads, %d cores, load average %.1f)%n",
        IMAGES, Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
    run("warm-up before", before, 500);
    run("warm-up after ", after, 500);
    double[] b = new double[2];
    double[] a = new double[2];
    for (int round = 0; round < 2; round++) {
      b[round] = run("before (Java2D, writer per image)", before, IMAGES);
      a[round] = run("after  (raster, writer per thread)", after, IMAGES);
    }
    System.out.printf("  speed-up (images/s, best of 2): %.1fx%n", Math.max(a[0], a[1]) / Math.max(b[0], b[1]));

    SparkSession spark = SparkSession.builder().master("local[2]").appName("SynthBenchmark")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      SynthJob.run(spark, tmp.resolve("warm").toString(), true, after, 0, 500, "dir");
      long t0 = System.nanoTime();
      SynthJob.run(spark, tmp.resolve("synth").toString(), true, after, 0, IMAGES, "dir");
      double seconds = (System.nanoTime() - t0) / 1e9;
      long files;
      try (Stream<Path> s = Files.walk(tmp.resolve("synth/images"))) {
        files = s.filter(Files::isRegularFile).count();
      }
      assertEquals(IMAGES, files);
      System.out.printf("  synth job, local[2], dir layout: %d images in %.1f s = %.0f images/s (target >= 1000)%n",
          IMAGES, seconds, IMAGES / seconds);
    } finally {
      spark.stop();
    }
    assertTrue(Math.max(a[0], a[1]) > Math.max(b[0], b[1]), "the raster renderer should be faster");
  }

  /** Renders and encodes images 0..n-1 on 2 threads; prints and returns images/s. */
  private static double run(String label, SynthGenerator g, int n) throws Exception {
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      long t0 = System.nanoTime();
      List<Future<Long>> parts = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        parts.add(pool.submit(() -> {
          long c0 = mx.getCurrentThreadCpuTime();
          long bytes = 0;
          for (int i = thread; i < n; i += 2) {
            bytes += g.photo(i).jpeg().length;
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

  /** The former encoder: an ImageIO writer looked up and set up for every image. */
  private static byte[] legacyEncodeJpeg(BufferedImage img, float quality) {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), param);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      writer.dispose();
    }
  }
}
