package org.geodecoder.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.geodecoder.model.train.Batch;
import org.geodecoder.model.train.ReplicaTrainer;
import org.geodecoder.model.train.SgdConfig;
import org.junit.jupiter.api.Test;

/**
 * bf16 mixed precision learns like fp32: the micro preset, trained from the same seed on the same
 * synthetic images (16 classes, a colour template per class plus strong per-image noise), has a
 * loss curve within 10 % of fp32's at every epoch, and its held-out accuracy (new noise) is
 * within 0.1 of fp32's.
 */
class MixedPrecisionTrainingTest {
  private static final int SIDE = 64;
  private static final int TRAIN = 96;
  private static final int HELD_OUT = 48;
  private static final int EPOCHS = 8;
  private static final int BATCH = 16;

  @Test
  void bf16LossCurveAndHeldOutAccuracyMatchFp32() {
    ClassHierarchy hierarchy = TestHierarchies.binary(4); // 2, 4, 8, 16 classes
    Data data = Data.generate(TRAIN + HELD_OUT, 23);
    Run full = train(ModelConfig.preset("micro", hierarchy), data);
    Run mixed =
        train(ModelConfig.preset("micro", hierarchy).toBuilder().optPrecision(Precision.BF16).build(), data);
    for (int e = 0; e < EPOCHS; e++) {
      System.out.printf("epoch %d: loss fp32 %.4f bf16 %.4f%n", e, full.losses[e], mixed.losses[e]);
    }
    System.out.printf("held-out accuracy fp32 %.3f bf16 %.3f%n", full.heldOut, mixed.heldOut);
    assertTrue(mixed.losses[EPOCHS - 1] < 0.6 * mixed.losses[0], "bf16 loss did not decrease enough");
    for (int e = 0; e < EPOCHS; e++) {
      assertEquals(full.losses[e], mixed.losses[e], 0.1 * full.losses[e], "epoch " + e);
    }
    assertTrue(full.heldOut > 0.5, "fp32 held-out accuracy " + full.heldOut + " (chance 1/16)");
    assertEquals(full.heldOut, mixed.heldOut, 0.1, "held-out accuracy bf16 vs fp32");
  }

  private record Run(double[] losses, double heldOut) {}

  private static Run train(ModelConfig config, Data data) {
    SgdConfig sgd =
        SgdConfig.builder().optLearningRate(0.01).optMomentum(0.9).optWeightDecay(0).optClipNorm(5).build();
    double[] losses = new double[EPOCHS];
    try (ReplicaTrainer trainer = ReplicaTrainer.create(config, Device.cpu(), sgd, 1)) {
      Batch all = Batch.of(data.images, data.classes, data.scenes);
      for (int e = 0; e < EPOCHS; e++) {
        double sum = 0;
        for (int start = 0; start < TRAIN; start += BATCH) {
          sum += trainer.computeGradients(all.slice(start, start + BATCH), 1.0).objective();
          trainer.applyUpdate();
        }
        losses[e] = sum / (TRAIN / BATCH);
      }
      return new Run(losses, heldOutAccuracy(trainer.model(), data));
    }
  }

  private static double heldOutAccuracy(GeoModel model, Data data) {
    int pixels = 3 * SIDE * SIDE;
    float[] images = java.util.Arrays.copyOfRange(data.images, TRAIN * pixels, (TRAIN + HELD_OUT) * pixels);
    try (NDManager m = model.manager().newSubManager()) {
      NDArray x = m.create(images, model.inputShape(HELD_OUT));
      List<Prediction> p = new GeoPredictor(model, 1).predict(x); // in the model's precision
      int correct = 0;
      for (int n = 0; n < HELD_OUT; n++) {
        correct += p.get(n).top().classLabel() == data.leaf[TRAIN + n] ? 1 : 0;
      }
      return correct / (double) HELD_OUT;
    }
  }

  private record Data(float[] images, int[] classes, int[] scenes, int[] leaf) {
    static Data generate(int n, long seed) {
      Random r = new Random(seed);
      float[][] templates = new float[16][3 * 16];
      for (float[] t : templates) {
        for (int i = 0; i < t.length; i++) {
          t[i] = (float) r.nextGaussian();
        }
      }
      int pixels = 3 * SIDE * SIDE;
      float[] images = new float[n * pixels];
      int[] leaf = new int[n];
      int[] classes = new int[n * 4];
      int[] scenes = new int[n];
      for (int i = 0; i < n; i++) {
        leaf[i] = r.nextInt(16);
        for (int ch = 0; ch < 3; ch++) {
          for (int y = 0; y < SIDE; y++) {
            for (int x = 0; x < SIDE; x++) {
              float base = templates[leaf[i]][ch * 16 + (y / 16) * 4 + x / 16];
              images[i * pixels + (ch * SIDE + y) * SIDE + x] = base + 0.8f * (float) r.nextGaussian();
            }
          }
        }
        for (int h = 0; h < 4; h++) {
          classes[i * 4 + h] = leaf[i] >> (3 - h);
        }
        scenes[i] = leaf[i] % 4;
      }
      return new Data(images, classes, scenes, leaf);
    }
  }
}
