package org.geodecoder.model.bench;

import ai.djl.Device;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.DeviceSpec;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.train.Batch;
import org.geodecoder.model.train.ReplicaTrainer;
import org.geodecoder.model.train.SgdConfig;
import org.geodecoder.model.train.SgdOptimizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * The training step outside forward + backward, before and after the device step engine, side by
 * side in one JVM: per step, forward + backward, then either the old host path (gradient copied
 * to a new {@code float[P]}, the step vector and its copy, the Java SGD loop, every weight uploaded
 * again) or the engine (one replica: norm + in-place SGD on the device; N replicas: also one
 * gradient copy to a preallocated host buffer and one back). Prints seconds per phase and step,
 * samples/s, the share of the time outside forward + backward, and peak RSS. Run with {@code mvn
 * -Pbench -pl core-model -am test -Dtest=StepEngineBenchmark -Dsurefire.failIfNoSpecifiedTests=false};
 * {@code -Dgeodecoder.bench.steps}, {@code -Dgeodecoder.bench.clip=0} (the paper's; 1.0 clips every step), {@code -Dgeodecoder.bench.presets=micro:16,swin_base:2}, {@code
 * -Dgeodecoder.bench.paths=engine1,engineN,old} (a subset: e.g. only {@code engine1} at batch 8).
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class StepEngineBenchmark {
  /** The paper's training clips nothing (conf/paper.properties: clip-norm 0); 1.0 adds the clipping pass. */
  private static final double CLIP_NORM = Double.parseDouble(System.getProperty("geodecoder.bench.clip", "0"));
  private static final int[] PAPER_CLASSES = {684, 1744, 3298, 7202, 12893, 16150, 21673};

  @Test
  void hostWorkPerStepBeforeAndAfter() {
    Device device = DeviceSpec.parse(System.getProperty("geodecoder.bench.device", "cpu"));
    int steps = Integer.getInteger("geodecoder.bench.steps", 3);
    String[] presets = System.getProperty("geodecoder.bench.presets", "micro:16,swin_base:2").split(",");
    java.util.List<String> paths = Arrays.asList(System.getProperty("geodecoder.bench.paths", "engine1,engineN,old").split(","));
    ClassHierarchy paper = TestHierarchies.withCounts(PAPER_CLASSES);
    StringBuilder report = new StringBuilder("\n=== StepEngineBenchmark (" + device + ", clip-norm " + CLIP_NORM + ", " + steps
        + " timed steps after 1 warm-up, per step) ===\n");
    report.append(String.format(Locale.ROOT, "%-10s %5s %12s %-22s %9s %9s %9s %8s %9s %11s%n", "preset", "batch",
        "params", "path", "fwd+bwd s", "outside s", "outside%", "samp/s", "Δheap MB", "peak RSS MB"));
    for (String spec : presets) {
      String[] p = spec.trim().split(":");
      ModelConfig config = ModelConfig.preset(p[0], paper);
      int batch = Integer.parseInt(p[1]);
      // the old path last: its Java heap (weights, momentum, gradient copies) stays reserved after it
      for (String path : new String[] {"engine, 1 replica", "engine, N replicas", "old host SGD"}) {
        String key = path.startsWith("old") ? "old" : path.contains("N replicas") ? "engineN" : "engine1";
        if (!paths.contains(key)) {
          continue;
        }
        RssSampler rss = RssSampler.start();
        double[] t = run(config, device, batch, steps, path);
        rss.stop();
        report.append(String.format(Locale.ROOT, "%-10s %5d %12d %-22s %9.3f %9.3f %8.1f%% %8.2f %9.0f %11d%n",
            p[0], batch, (long) t[3], path, t[0], t[1], 100 * t[1] / t[0], batch / (t[0] + t[1]), t[2],
            rss.peakKb.get() / 1024));
        System.out.print(report);
      }
    }
    System.out.println(report);
  }

  /** {fwd+bwd s/step, outside s/step, heap allocated MB/step, params}. */
  private static double[] run(ModelConfig config, Device device, int batch, int steps, String path) {
    SgdConfig sgd = SgdConfig.builder().optLearningRate(0.01).optMomentum(0.9).optWeightDecay(1e-4)
        .optClipNorm(CLIP_NORM).build();
    try (ReplicaTrainer trainer = ReplicaTrainer.create(config, device, sgd, 1)) {
      int params = trainer.size();
      Batch b = randomBatch(config, batch);
      float[] weights = null;
      SgdOptimizer reference = null;
      ByteBuffer host = null;
      if (path.startsWith("old")) {
        weights = trainer.flatParameters();
        reference = new SgdOptimizer(sgd, params);
      } else if (path.contains("N replicas")) {
        host = ByteBuffer.allocateDirect(params * Float.BYTES + 64).order(ByteOrder.nativeOrder());
      }
      com.sun.management.ThreadMXBean mx =
          (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
      double compute = 0;
      double outside = 0;
      long allocated = 0;
      for (int s = 0; s <= steps; s++) {
        long t0 = System.nanoTime();
        trainer.computeGradients(b, 1.0);
        long t1 = System.nanoTime();
        long a0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
        if (reference != null) {
          // what EpochTask + ReplicaTrainer did before: copies into the step vector, Java SGD, upload
          float[] gradient = trainer.flatGradient();
          if (params < 100_000_000) {
            float[] vector = new float[params + 32];
            System.arraycopy(gradient, 0, vector, 0, params);
            gradient = Arrays.copyOf(vector, params);
          } // else: the two step-vector copies are left out to fit the heap (a lower bound of the old cost)
          reference.update(weights, gradient);
          trainer.model().setFlatParameters(weights);
          trainer.zeroGradients();
        } else {
          if (host != null) {
            trainer.gradientsToHost(host);
            trainer.gradientsFromHost(host);
          }
          trainer.applyUpdate(trainer.gradientNorm());
        }
        long t2 = System.nanoTime();
        if (s > 0) {
          compute += (t1 - t0) / 1e9;
          outside += (t2 - t1) / 1e9;
          allocated += mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - a0;
        }
      }
      return new double[] {compute / steps, outside / steps, allocated / 1e6 / steps, params};
    }
  }

  private static Batch randomBatch(ModelConfig config, int b) {
    Random r = new Random(1);
    int size = config.imageSize();
    float[] images = new float[b * 3 * size * size];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) r.nextGaussian();
    }
    int hs = config.hierarchies();
    int[] classes = new int[b * hs];
    for (int i = 0; i < classes.length; i++) {
      classes[i] = r.nextInt(config.hierarchy().classCount(i % hs));
    }
    int[] scenes = new int[b];
    return Batch.of(images, classes, scenes);
  }

  private static final class RssSampler implements Runnable {
    final AtomicLong peakKb = new AtomicLong();
    volatile boolean stop;
    Thread thread;

    static RssSampler start() {
      RssSampler s = new RssSampler();
      s.thread = new Thread(s, "rss-sampler");
      s.thread.setDaemon(true);
      s.thread.start();
      return s;
    }

    void stop() {
      stop = true;
    }

    @Override
    public void run() {
      while (!stop) {
        try {
          for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
              peakKb.accumulateAndGet(Long.parseLong(line.replaceAll("\\D", "")), Math::max);
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
