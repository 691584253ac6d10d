package org.geodecoder.model.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.Random;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.junit.jupiter.api.Test;

/** The micro preset memorises 64 synthetic images (16 finest classes) to ≥ 95 % accuracy. */
class OverfitTest {
  private static final int N = 64;
  private static final int SIDE = 64;

  @Test
  void microPresetOverfitsSixtyFourImages() {
    ClassHierarchy hierarchy = TestHierarchies.binary(4); // 2, 4, 8, 16 classes
    ModelConfig config = ModelConfig.preset("micro", hierarchy);
    Random r = new Random(17);
    // class templates: a 4×4 grid of random colours; images add strong per-image noise
    float[][] templates = new float[16][3 * 16];
    for (float[] t : templates) {
      for (int i = 0; i < t.length; i++) {
        t[i] = (float) r.nextGaussian();
      }
    }
    int pixels = 3 * SIDE * SIDE;
    float[] images = new float[N * pixels];
    int[] leaf = new int[N];
    for (int n = 0; n < N; n++) {
      leaf[n] = n % 16;
      for (int ch = 0; ch < 3; ch++) {
        for (int y = 0; y < SIDE; y++) {
          for (int x = 0; x < SIDE; x++) {
            float base = templates[leaf[n]][ch * 16 + (y / 16) * 4 + x / 16];
            images[n * pixels + (ch * SIDE + y) * SIDE + x] = base + 0.5f * (float) r.nextGaussian();
          }
        }
      }
    }
    int[] classes = new int[N * 4];
    int[] scenes = new int[N];
    for (int n = 0; n < N; n++) {
      for (int h = 0; h < 4; h++) {
        classes[n * 4 + h] = leaf[n] >> (3 - h);
      }
      scenes[n] = leaf[n] % 4;
    }
    SgdConfig sgd =
        SgdConfig.builder()
            .optLearningRate(0.01)
            .optMomentum(0.9)
            .optWeightDecay(0)
            .optClipNorm(5)
            .build();
    double accuracy = 0;
    try (ReplicaTrainer trainer = ReplicaTrainer.create(config, Device.cpu(), sgd, 1)) {
      int batch = 16;
      for (int epoch = 0; epoch < 60 && accuracy < 0.95; epoch++) {
        for (int start = 0; start < N; start += batch) {
          Batch all = Batch.of(images, classes, scenes);
          trainer.computeGradients(all.slice(start, start + batch), 1.0);
          trainer.applyUpdate();
        }
        if (epoch % 3 == 2) {
          accuracy = accuracy(trainer, images, leaf);
          System.out.println("epoch " + epoch + " accuracy " + accuracy);
        }
      }
      assertTrue(accuracy >= 0.95, "train accuracy at the finest hierarchy: " + accuracy);
    }
  }

  private static double accuracy(ReplicaTrainer trainer, float[] images, int[] leaf) {
    GeoPredictor predictor = new GeoPredictor(trainer.model(), 1);
    try (NDManager m = trainer.model().manager().newSubManager()) {
      NDArray x = m.create(images, trainer.model().inputShape(N));
      List<Prediction> p = predictor.predict(x);
      int correct = 0;
      for (int n = 0; n < N; n++) {
        correct += p.get(n).top().classLabel() == leaf[n] ? 1 : 0;
      }
      return correct / (double) N;
    }
  }
}
