package org.geodecoder.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.loss.LossTerms;
import org.junit.jupiter.api.Test;

class ReplicaTrainerTest {
  private static final ModelConfig CONFIG =
      ModelConfig.preset("micro", TestHierarchies.binary(3));
  private static final SgdConfig SGD =
      SgdConfig.builder().optLearningRate(0.05).optMomentum(0.9).optWeightDecay(1e-4).build();

  static Batch randomBatch(int b, long seed) {
    Random r = new Random(seed);
    float[] images = new float[b * 3 * 64 * 64];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) r.nextGaussian();
    }
    int[] classes = new int[b * 3];
    for (int i = 0; i < b; i++) {
      int leaf = r.nextInt(8);
      classes[i * 3] = leaf / 4;
      classes[i * 3 + 1] = leaf / 2;
      classes[i * 3 + 2] = leaf;
    }
    classes[1] = -1; // sample 0 has no class in hierarchy 1
    int[] scenes = new int[b];
    for (int i = 0; i < b; i++) {
      scenes[i] = i == 2 ? -1 : r.nextInt(16);
    }
    return Batch.of(images, classes, scenes);
  }

  @Test
  void twoReplicasWithSummedGradientsEqualOneReplicaOnTheWholeBatch() {
    try (ReplicaTrainer whole = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 3);
        ReplicaTrainer left = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 3);
        ReplicaTrainer right = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 3)) {
      assertArrayEquals(whole.flatParameters(), left.flatParameters());
      for (int step = 0; step < 3; step++) {
        Batch batch = randomBatch(8, 100 + step);
        LossTerms all = whole.computeGradients(batch, 1.0);
        whole.applyUpdate();

        LossTerms l = left.computeGradients(batch.slice(0, 4), 0.5);
        LossTerms r = right.computeGradients(batch.slice(4, 8), 0.5);
        float[] sum = left.flatGradient();
        float[] g = right.flatGradient();
        for (int i = 0; i < sum.length; i++) {
          sum[i] += g[i];
        }
        left.setFlatGradient(sum);
        right.setFlatGradient(sum);
        left.applyUpdate();
        right.applyUpdate();

        LossTerms merged = l.plus(r);
        assertEquals(all.objective(), merged.objective(), 1e-5);
        assertEquals(all.count(1), merged.count(1));
        assertEquals(7, all.count(1)); // the −1 label is ignored
        assertEquals(7, all.count(3)); // one unknown scene
        assertArrayEquals(left.flatParameters(), right.flatParameters(), "replicas diverged");
      }
      float[] a = whole.flatParameters();
      float[] b = left.flatParameters();
      double maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
      }
      assertTrue(maxDiff < 1e-6, "max |1 replica − 2 replicas| = " + maxDiff);
      assertEquals(3, whole.step());
      // the weights actually moved
      try (ReplicaTrainer fresh = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 3)) {
        assertFalse(Arrays.equals(fresh.flatParameters(), a));
      }
    }
  }

  @Test
  void applyingAGivenGradientEqualsSettingItAndNeedsNoBackwardPass() {
    try (ReplicaTrainer viaSet = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 5);
        ReplicaTrainer direct = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 5);
        ReplicaTrainer idle = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 5)) {
      for (int step = 0; step < 2; step++) {
        Batch batch = randomBatch(4, 300 + step);
        viaSet.computeGradients(batch, 1.0);
        float[] g = viaSet.flatGradient();
        viaSet.setFlatGradient(g);
        viaSet.applyUpdate();
        direct.computeGradients(batch, 1.0);
        direct.applyUpdate(direct.flatGradient());
        // A replica whose slice had no usable sample: zero own gradient, same summed update.
        assertTrue(allZero(idle.flatGradient()));
        idle.applyUpdate(g.clone());
        assertArrayEquals(viaSet.flatParameters(), direct.flatParameters());
        assertArrayEquals(viaSet.flatParameters(), idle.flatParameters());
        assertTrue(allZero(direct.flatGradient()), "gradient zeroed after the update");
      }
      assertEquals(2, idle.step());
    }
  }

  /** Two replicas training on their own threads at once, as two Spark tasks of one executor. */
  @Test
  void replicasOnConcurrentThreadsTrainExactlyAsWhenRunAlone() throws Exception {
    int[] alone = trainOnThreads(false);
    for (int attempt = 0; attempt < 3; attempt++) {
      assertArrayEquals(alone, trainOnThreads(true), "attempt " + attempt);
    }
  }

  private static int[] trainOnThreads(boolean concurrent) throws InterruptedException {
    int[] hashes = new int[2];
    Thread[] threads = new Thread[2];
    for (int r = 0; r < 2; r++) {
      int rank = r;
      threads[r] = new Thread(() -> {
        try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 3)) {
          for (int s = 0; s < 4; s++) {
            t.computeGradients(randomBatch(4, 100 * rank + s), 0.5);
            t.applyUpdate(t.flatGradient());
          }
          hashes[rank] = Arrays.hashCode(t.flatParameters());
        }
      });
      threads[r].start();
      if (!concurrent) {
        threads[r].join();
      }
    }
    for (Thread t : threads) {
      t.join();
    }
    return hashes;
  }

  private static boolean allZero(float[] v) {
    for (float f : v) {
      if (f != 0) {
        return false;
      }
    }
    return true;
  }

  @Test
  void trainingIsDeterministicAndResumesExactlyFromOptimizerState() throws IOException {
    SgdConfig sgd = SgdConfig.builder().optLearningRate(0.05).optMilestones(1).optGamma(0.5).build();
    float[] reference;
    try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), sgd, 9)) {
      for (int step = 0; step < 3; step++) {
        t.computeGradients(randomBatch(4, step), 1.0);
        t.applyUpdate();
      }
      reference = t.flatParameters();
      assertEquals(0.025, t.learningRate(), 1e-12);
    }
    byte[] saved;
    float[] weightsAfterOne;
    try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), sgd, 9)) {
      t.computeGradients(randomBatch(4, 0), 1.0);
      t.applyUpdate();
      weightsAfterOne = t.flatParameters();
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      t.optimizerState().writeTo(new DataOutputStream(bytes));
      saved = bytes.toByteArray();
    }
    // a different initial model, restored from weights + optimizer state
    try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), sgd, 12345)) {
      assertNotEquals(weightsAfterOne[0], t.flatParameters()[0]);
      t.setFlatParameters(weightsAfterOne);
      t.restoreOptimizerState(
          OptimizerState.readFrom(new DataInputStream(new ByteArrayInputStream(saved))));
      assertEquals(1, t.step());
      for (int step = 1; step < 3; step++) {
        t.computeGradients(randomBatch(4, step), 1.0);
        t.applyUpdate();
      }
      assertArrayEquals(reference, t.flatParameters());
    }
  }

  @Test
  void gradientsAccumulateUntilTheUpdateZeroesThem() {
    try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 5)) {
      Batch batch = randomBatch(2, 1);
      t.computeGradients(batch, 0.5);
      float[] once = t.flatGradient();
      t.computeGradients(batch, 0.5);
      float[] twice = t.flatGradient();
      for (int i = 0; i < once.length; i += 97) {
        assertEquals(2 * once[i], twice[i], 1e-6 + 1e-5 * Math.abs(once[i]));
      }
      float[] replaced = new float[once.length];
      replaced[0] = 1f;
      t.setFlatGradient(replaced);
      assertArrayEquals(replaced, t.flatGradient());
      float before = t.flatParameters()[0];
      t.applyUpdate();
      // first update: v = g + wd·w, w −= lr·v
      assertEquals(before - 0.05f * (1f + 1e-4f * before), t.flatParameters()[0], 1e-7);
      assertArrayEquals(new float[once.length], t.flatGradient());
    }
  }

  /**
   * Drop path on (rate 0.3 for a micro Swin): with per-sample keys, two replicas on half batches
   * compute what one replica computes on the whole batch, masks included. Without keys (slot
   * based draws) they do not, which shows the masks matter here.
   */
  @Test
  void withSampleKeysTwoReplicasEqualOneEvenWithDropPath() {
    ModelConfig dropping = CONFIG.toBuilder()
        .setEncoder(CONFIG.encoder().toBuilder().optDropPathRate(0.3f).build()).build();
    float[][] keyed = trainWholeAndHalves(dropping, true);
    double keyedDiff = relativeL2(keyed[0], keyed[1]);
    float[][] bySlot = trainWholeAndHalves(dropping, false);
    double slotDiff = relativeL2(bySlot[0], bySlot[1]);
    // batch 8 vs 4 changes the float summation order of the forward/backward, nothing else
    assertTrue(keyedDiff < 1e-6, "keyed masks: relative L2 difference " + keyedDiff);
    assertTrue(slotDiff > 100 * keyedDiff && slotDiff > 1e-5, "slot-keyed masks should differ: " + slotDiff);
  }

  private static double relativeL2(float[] a, float[] b) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (double) (a[i] - b[i]) * (a[i] - b[i]);
      norm += (double) a[i] * a[i];
    }
    return Math.sqrt(diff / norm);
  }

  private static float[][] trainWholeAndHalves(ModelConfig config, boolean keys) {
    try (ReplicaTrainer whole = ReplicaTrainer.create(config, Device.cpu(), SGD, 3);
        ReplicaTrainer left = ReplicaTrainer.create(config, Device.cpu(), SGD, 3);
        ReplicaTrainer right = ReplicaTrainer.create(config, Device.cpu(), SGD, 3)) {
      java.nio.ByteBuffer l = java.nio.ByteBuffer.allocateDirect(whole.size() * 4)
          .order(java.nio.ByteOrder.nativeOrder());
      java.nio.ByteBuffer r = java.nio.ByteBuffer.allocateDirect(whole.size() * 4)
          .order(java.nio.ByteOrder.nativeOrder());
      for (int step = 0; step < 3; step++) {
        Batch batch = randomBatch(8, 500 + step);
        if (keys) {
          long[] k = new long[8];
          for (int i = 0; i < 8; i++) {
            k[i] = 1000L * step + i; // the sample's global position
          }
          batch = batch.withSampleKeys(k);
        }
        whole.computeGradients(batch, 1.0);
        whole.applyUpdate();
        left.computeGradients(batch.slice(0, 4), 0.5);
        right.computeGradients(batch.slice(4, 8), 0.5);
        left.gradientsToHost(l);
        right.gradientsToHost(r);
        for (int i = 0; i < whole.size(); i++) { // the all-reduce, in rank order
          float sum = l.getFloat(4 * i) + r.getFloat(4 * i);
          l.putFloat(4 * i, sum);
        }
        left.gradientsFromHost(l);
        right.gradientsFromHost(l);
        left.applyUpdate(left.gradientNorm());
        right.applyUpdate(right.gradientNorm());
        assertArrayEquals(left.flatParameters(), right.flatParameters(), "replicas diverged");
      }
      return new float[][] {whole.flatParameters(), left.flatParameters()};
    }
  }

  /** One replica moves nothing full-size in a step; the exchange path exactly one copy each way. */
  @Test
  void hostTransfersPerStepAreCounted() {
    try (ReplicaTrainer t = ReplicaTrainer.create(CONFIG, Device.cpu(), SGD, 5)) {
      long p = t.size();
      HostTransfers before = t.transfers().snapshot();
      t.computeGradients(randomBatch(4, 1), 1.0);
      t.applyUpdate(t.gradientNorm());
      HostTransfers alone = t.transfers().since(before);
      assertEquals(0, alone.fullToHost());
      assertEquals(0, alone.fullFromHost());
      assertEquals(Float.BYTES, alone.bytesToHost()); // the norm
      assertEquals(0, alone.bytesFromHost());

      java.nio.ByteBuffer host = java.nio.ByteBuffer.allocateDirect((int) p * 4 + 64)
          .order(java.nio.ByteOrder.nativeOrder());
      before = t.transfers().snapshot();
      t.computeGradients(randomBatch(4, 2), 1.0);
      t.gradientsToHost(host);
      t.gradientsFromHost(host);
      t.applyUpdate(t.gradientNorm());
      HostTransfers exchanged = t.transfers().since(before);
      assertEquals(1, exchanged.fullToHost());
      assertEquals(1, exchanged.fullFromHost());
      assertEquals(p * 4 + Float.BYTES, exchanged.bytesToHost());
      assertEquals(p * 4, exchanged.bytesFromHost());
      assertEquals(2, t.step());
    }
  }
}
