package org.geodecoder.model.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.DeviceSpec;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.loss.GeoLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Forward + backward throughput and peak resident memory of each preset with the paper's
 * GeoDecoder (7 hierarchies, 684 … 21673 classes, 16 scenes), batch 8. Run with {@code mvn -Pbench
 * -pl core-model test -Dtest=ModelBenchmark}; {@code -Dgeodecoder.bench.device=gpu:0} on a GPU
 * node, {@code -Dgeodecoder.bench.presets=micro,swin_tiny} to choose.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class ModelBenchmark {
  private static final int[] PAPER_CLASSES = {684, 1744, 3298, 7202, 12893, 16150, 21673};

  @Test
  void forwardBackwardThroughput() throws Exception {
    Device device = DeviceSpec.parse(System.getProperty("geodecoder.bench.device", "cpu"));
    String[] presets =
        System.getProperty("geodecoder.bench.presets", "micro,swin_tiny,swin_base").split(",");
    int batch = Integer.getInteger("geodecoder.bench.batch", 8);
    int iterations = Integer.getInteger("geodecoder.bench.iterations", 3);
    ClassHierarchy paper = TestHierarchies.withCounts(PAPER_CLASSES);
    System.out.printf(
        Locale.ROOT,
        "%-10s %6s %12s %10s %10s %12s%n",
        "preset",
        "batch",
        "params",
        "s/iter",
        "img/s",
        "peak RSS MB");
    for (String preset : presets) {
      ModelConfig config = ModelConfig.preset(preset.trim(), paper);
      RssSampler sampler = new RssSampler();
      Thread t = new Thread(sampler, "rss-sampler");
      t.setDaemon(true);
      t.start();
      double seconds;
      long params;
      try (GeoModel model = GeoModel.create(config, device, 1)) {
        params = model.parameterCount();
        float[] images = new float[Math.toIntExact(model.inputShape(batch).size())];
        Random r = new Random(1);
        for (int i = 0; i < images.length; i++) {
          images[i] = (float) r.nextGaussian();
        }
        int[] classes = new int[batch * PAPER_CLASSES.length];
        for (int i = 0; i < classes.length; i++) {
          classes[i] = r.nextInt(PAPER_CLASSES[i % PAPER_CLASSES.length]);
        }
        int[] scenes = new int[batch];
        step(model, images, classes, scenes, batch); // warm-up
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
          step(model, images, classes, scenes, batch);
        }
        seconds = (System.nanoTime() - start) / 1e9 / iterations;
      }
      sampler.stop = true;
      t.join();
      System.out.printf(
          Locale.ROOT,
          "%-10s %6d %12d %10.3f %10.2f %12d%n",
          config.encoder().name(),
          batch,
          params,
          seconds,
          batch / seconds,
          sampler.peakKb.get() / 1024);
    }
    System.out.println("device " + device + ", " + Runtime.getRuntime().availableProcessors() + " cores");
  }

  private static void step(GeoModel model, float[] images, int[] classes, int[] scenes, int b) {
    try (NDScope scope = new NDScope();
        NDManager m = model.manager().newSubManager()) {
      scope.suppressNotUsedWarning();
      Autograd.withGrad(
          true,
          () -> {
            NDList out = model.forward(m.create(images, model.inputShape(b)), true, new Random(1));
            Autograd.backward(GeoLoss.compute(out, classes, scenes, b).objective());
            return null;
          });
      model.parameters().forEach(p -> Autograd.zeroGradient(p.getArray()));
    }
  }

  /** Samples VmRSS of this process every 20 ms and keeps the maximum. */
  private static final class RssSampler implements Runnable {
    final AtomicLong peakKb = new AtomicLong();
    volatile boolean stop;

    @Override
    public void run() {
      while (!stop) {
        try {
          for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
              long kb = Long.parseLong(line.replaceAll("\\D", ""));
              peakKb.accumulateAndGet(kb, Math::max);
            }
          }
          Thread.sleep(20);
        } catch (IOException | InterruptedException e) {
          return;
        }
      }
    }
  }
}
