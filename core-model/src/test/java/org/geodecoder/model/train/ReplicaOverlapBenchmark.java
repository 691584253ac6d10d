package org.geodecoder.model.train;

import ai.djl.Device;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import org.geodecoder.model.DeviceLocks;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Do replicas on threads of one JVM still need {@link DeviceLocks}? Two replicas train the same
 * batches from the same seed at the same time, with the locks on and off, several times; each
 * one's final weights are compared bit for bit with a replica that trained alone. Prints how many
 * runs differed, by how much, and the wall time per run (about twice one replica alone with the
 * locks, less without: the replicas' libtorch calls overlapped). Run with {@code mvn -o -Pbench -pl core-model -am test
 * -Dtest=ReplicaOverlapBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; {@code
 * -Dgeodecoder.bench.repeats=5}, {@code -Dgeodecoder.bench.steps=6}, {@code
 * -Dgeodecoder.bench.dropPath=0.3}.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class ReplicaOverlapBenchmark {
  @Test
  void overlappingReplicasWithAndWithoutTheDeviceLock() throws Exception {
    int repeats = Integer.getInteger("geodecoder.bench.repeats", 5);
    int steps = Integer.getInteger("geodecoder.bench.steps", 6);
    float dropPath = Float.parseFloat(System.getProperty("geodecoder.bench.dropPath", "0.3"));
    ModelConfig micro = ModelConfig.preset("micro", TestHierarchies.binary(2));
    ModelConfig config = micro.toBuilder().setEncoder(micro.encoder().toBuilder().optDropPathRate(dropPath).build()).build();
    List<Batch> batches = new ArrayList<>();
    for (int s = 0; s < steps; s++) {
      batches.add(randomBatch(config, 16, s));
    }
    float[] alone = train(config, batches);
    StringBuilder report = new StringBuilder(String.format(Locale.ROOT,
        "%n=== ReplicaOverlapBenchmark (micro, drop path %.1f, batch 16, %d steps, 2 overlapping replicas) ===%n"
            + "%-10s %7s %22s %16s %14s%n", dropPath, steps, "locks", "runs", "replicas ≠ alone", "max |Δw|",
        "wall s/run"));
    long aloneStart = System.nanoTime();
    train(config, batches);
    report.append(String.format(Locale.ROOT, "one replica alone: %.2f s%n", (System.nanoTime() - aloneStart) / 1e9));
    for (String mode : new String[] {"on", "off", "on", "off"}) {
      int differing = 0;
      double worst = 0;
      long modeStart = System.nanoTime();
      for (int r = 0; r < repeats; r++) {
        float[][] out = new float[2][];
        Throwable[] failure = new Throwable[1];
        CountDownLatch start = new CountDownLatch(1);
        Thread[] threads = new Thread[2];
        if (mode.equals("off")) {
          System.setProperty(DeviceLocks.SWITCH, "off");
        }
        try {
          for (int t = 0; t < 2; t++) {
            int k = t;
            threads[t] = new Thread(() -> {
              try {
                start.await();
                out[k] = train(config, batches);
              } catch (Throwable e) {
                failure[0] = e;
              }
            });
            threads[t].start();
          }
          start.countDown();
          for (Thread t : threads) {
            t.join();
          }
        } finally {
          System.clearProperty(DeviceLocks.SWITCH);
        }
        if (failure[0] != null) {
          throw new AssertionError("replica thread failed", failure[0]);
        }
        for (float[] w : out) {
          if (!Arrays.equals(alone, w)) {
            differing++;
            for (int i = 0; i < w.length; i++) {
              worst = Math.max(worst, Math.abs(w[i] - alone[i]));
            }
          }
        }
      }
      double wall = (System.nanoTime() - modeStart) / 1e9 / repeats; // < 2 × alone: the replicas overlapped
      report.append(String.format(Locale.ROOT, "%-10s %7d %15d of %d %16.3g %14.2f%n", mode, repeats, differing,
          2 * repeats, worst, wall));
      System.out.print(report);
    }
    System.out.println(report);
  }

  private static float[] train(ModelConfig config, List<Batch> batches) {
    SgdConfig sgd = SgdConfig.builder().optLearningRate(0.05).optMomentum(0.9).optWeightDecay(1e-4).build();
    try (ReplicaTrainer trainer = ReplicaTrainer.create(config, Device.cpu(), sgd, 1)) {
      for (Batch b : batches) {
        trainer.computeGradients(b, 1.0);
        trainer.applyUpdate();
      }
      return trainer.flatParameters();
    }
  }

  private static Batch randomBatch(ModelConfig config, int b, int seed) {
    Random r = new Random(seed);
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
    return Batch.of(images, classes, new int[b]);
  }
}
