package org.geodecoder.model;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.geodecoder.model.decoder.DecoderConfig;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.geodecoder.model.swin.SwinConfig;
import org.geodecoder.model.train.Batch;
import org.geodecoder.model.train.ReplicaTrainer;
import org.geodecoder.model.train.SgdConfig;

/**
 * fp32 and bf16 training runs on learnable synthetic images, for {@link MixedPrecisionTrainingTest}
 * and the precision benchmark: 16 finest classes (a binary 4-level hierarchy), each a 4×4 grid of
 * random colours, every image its class's grid plus Gaussian noise (σ 0.8); the first {@code
 * train} images train, the rest are held out.
 */
public final class PrecisionRuns {
  public static final int SIDE = 32;

  private PrecisionRuns() {}

  /** Loss per epoch (mean over its steps), held-out finest-class accuracy, training samples/s. */
  public record Run(double[] losses, double heldOut, double samplesPerSecond) {}

  /** The images and labels. */
  public record Data(float[] images, int[] classes, int[] scenes, int[] leaf, int train) {
    public int heldOut() {
      return leaf.length - train;
    }
  }

  /** The 4-level binary hierarchy (2, 4, 8, 16 classes). */
  public static ClassHierarchy hierarchy() {
    return TestHierarchies.binary(4);
  }

  /**
   * A nano Swin + GeoDecoder on 32 px with every kind of block the presets have: 8×8 grid with
   * shifted 4×4 windows, patch merging, memory projection (16 ≠ 32), a hierarchy-dependent layer.
   */
  public static ModelConfig nano(Precision precision) {
    SwinConfig encoder = SwinConfig.builder().optName("nano").setImageSize(SIDE).setEmbedDim(16).setDepths(2, 2)
        .setHeads(1, 2).optWindow(4).optDropPathRate(0f).build();
    DecoderConfig decoder =
        DecoderConfig.builder().optScenes(4).optDim(16).optLayers(2).optHierarchyLayers(1).optHeads(2).build();
    return ModelConfig.builder().setEncoder(encoder).setDecoder(decoder).setHierarchy(hierarchy())
        .optPrecision(precision).build();
  }

  public static Data generate(int train, int heldOut, long seed) {
    int n = train + heldOut;
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
            float base = templates[leaf[i]][ch * 16 + (y / 8) * 4 + x / 8];
            images[i * pixels + (ch * SIDE + y) * SIDE + x] = base + 0.8f * (float) r.nextGaussian();
          }
        }
      }
      for (int h = 0; h < 4; h++) {
        classes[i * 4 + h] = leaf[i] >> (3 - h);
      }
      scenes[i] = leaf[i] % 4;
    }
    return new Data(images, classes, scenes, leaf, train);
  }

  /** Trains from weights seeded by {@code seed} (same seed, same start in either precision). */
  public static Run train(ModelConfig config, Data data, int epochs, int batch, long seed) {
    SgdConfig sgd =
        SgdConfig.builder().optLearningRate(0.1).optMomentum(0.9).optWeightDecay(0).optClipNorm(5).build();
    double[] losses = new double[epochs];
    long nanos = 0;
    long samples = 0;
    try (ReplicaTrainer trainer = ReplicaTrainer.create(config, Device.cpu(), sgd, seed)) {
      Batch all = Batch.of(data.images(), data.classes(), data.scenes());
      int steps = data.train() / batch;
      for (int e = 0; e < epochs; e++) {
        double sum = 0;
        for (int s = 0; s < steps; s++) {
          long t0 = System.nanoTime();
          sum += trainer.computeGradients(all.slice(s * batch, (s + 1) * batch), 1.0).objective();
          trainer.applyUpdate();
          nanos += System.nanoTime() - t0;
          samples += batch;
        }
        losses[e] = sum / steps;
      }
      return new Run(losses, heldOutAccuracy(trainer.model(), data), samples / (nanos / 1e9));
    }
  }

  private static double heldOutAccuracy(GeoModel model, Data data) {
    int pixels = 3 * SIDE * SIDE;
    int n = data.heldOut();
    float[] images = Arrays.copyOfRange(data.images(), data.train() * pixels, (data.train() + n) * pixels);
    try (NDManager m = model.manager().newSubManager()) {
      NDArray x = m.create(images, model.inputShape(n));
      List<Prediction> p = new GeoPredictor(model, 1).predict(x); // in the model's precision
      int correct = 0;
      for (int i = 0; i < n; i++) {
        correct += p.get(i).top().classLabel() == data.leaf()[data.train() + i] ? 1 : 0;
      }
      return correct / (double) n;
    }
  }
}
