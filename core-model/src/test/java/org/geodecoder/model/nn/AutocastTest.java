package org.geodecoder.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import java.util.Set;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.train.Batch;
import org.geodecoder.model.train.ReplicaTrainer;
import org.geodecoder.model.train.SgdConfig;
import org.junit.jupiter.api.Test;

class AutocastTest {
  private static final ModelConfig FP32 = ModelConfig.preset("micro", TestHierarchies.binary(3));
  private static final ModelConfig BF16 = FP32.toBuilder().optPrecision(Precision.BF16).build();

  /**
   * {@link Bf16Cast} is differentiable both ways: the gradient of fp32(sum(bf16(w)·bf16(x))) reaches
   * the fp32 w as fp32 and equals x (x's values are exact in bf16), and the casts round to bf16's
   * 8 significant bits (DJL's own toType can do neither, see Bf16Cast).
   */
  @Test
  void castsAreDifferentiableSoGradientsArriveInFp32OnTheMasterWeights() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray w = m.create(new float[] {1f, 1.00390625f, -3f, 0.1f});
      w.setRequiresGradient(true);
      float[][] result =
          Autograd.withGrad(
              true,
              () -> {
                NDArray wc = Bf16Cast.toBfloat16(w);
                assertTrue(Bf16Cast.isBfloat16(wc));
                NDArray x = Bf16Cast.toBfloat16(m.create(new float[] {0.5f, -2f, 3f, 1.5f}));
                NDArray y = Bf16Cast.toFloat32(wc.mul(x).sum());
                assertEquals(DataType.FLOAT32, y.getDataType());
                Autograd.backward(y);
                assertEquals(DataType.FLOAT32, w.getGradient().getDataType());
                return new float[][] {
                  Bf16Cast.toFloat32(wc).toFloatArray(), w.getGradient().toFloatArray(),
                  {y.getFloat()}
                };
              });
      // 1 + 2^-8 rounds to 1 in bf16, 0.1 to 0.10009765625
      assertArrayEquals(new float[] {1f, 1f, -3f, 0.10009765625f}, result[0]);
      assertArrayEquals(new float[] {0.5f, -2f, 3f, 1.5f}, result[1]);
      // the sum runs in bf16: −10.3499 rounds to −10.375 (bf16 spacing between 8 and 16 is 1/16)
      assertEquals(-10.375f, result[2][0]);
      assertEquals(DataType.FLOAT32, w.getDataType());
    }
  }

  /** Only Linear and convolution parameters are cast; LayerNorm, queries and the bias table stay fp32. */
  @Test
  void castsTheWeightsOfProductsOnly() {
    try (GeoModel model = GeoModel.create(FP32, Device.cpu(), 1)) {
      Set<Parameter> cast = Autocast.productParameters(model.network());
      int expected = 0;
      for (int i = 0; i < model.parameters().size(); i++) {
        String name = model.parameterNames().get(i);
        boolean product = name.endsWith("_weight") || name.endsWith("_bias");
        expected += product ? 1 : 0;
        assertEquals(product, cast.contains(model.parameters().get(i)), name);
      }
      // micro: patch conv 2, per Swin block 4 attention + 2 MLP Linear (×2), merging 1, ...
      assertEquals(expected, cast.size());
      assertTrue(expected > 40, "product parameters: " + expected);
      assertTrue(expected < model.parameters().size(), "norms and queries are not cast");
    }
  }

  /**
   * The bf16 forward pass of the micro model stays close to the fp32 one: logits within 0.05 of
   * fp32's (they spread over about ±1), scene probabilities within 0.01, outputs fp32 either way,
   * and not bit-identical (bf16 really ran).
   */
  @Test
  void bf16ForwardStaysCloseToFp32() {
    try (GeoModel model = GeoModel.create(FP32, Device.cpu(), 7);
        NDManager m = model.manager().newSubManager()) {
      m.getEngine().setRandomSeed(3);
      NDArray images = m.randomNormal(model.inputShape(4));
      NDList full = model.predict(images, Precision.FP32);
      NDList mixed = model.predict(images, Precision.BF16);
      assertEquals(full.size(), mixed.size());
      double worst = 0;
      double spread = 0;
      for (int i = 0; i < full.size(); i++) {
        assertEquals(DataType.FLOAT32, mixed.get(i).getDataType());
        float[] a = full.get(i).toFloatArray();
        float[] b = mixed.get(i).toFloatArray();
        for (int j = 0; j < a.length; j++) {
          worst = Math.max(worst, Math.abs(a[j] - b[j]));
          spread = Math.max(spread, Math.abs(a[j]));
        }
      }
      float[] pa = full.get(0).softmax(-1).toFloatArray();
      float[] pb = mixed.get(0).softmax(-1).toFloatArray();
      double worstProbability = 0;
      for (int j = 0; j < pa.length; j++) {
        worstProbability = Math.max(worstProbability, Math.abs(pa[j] - pb[j]));
      }
      System.out.printf("bf16 vs fp32: max |logit diff| %.5f (max |logit| %.3f), max |p diff| %.5f%n",
          worst, spread, worstProbability);
      assertTrue(worst > 0, "bf16 and fp32 outputs are identical: bf16 did not run");
      assertTrue(worst < 0.05, "max |logit difference| " + worst);
      assertTrue(worstProbability < 0.01, "max |probability difference| " + worstProbability);
    }
  }

  /**
   * Training in bf16: parameters and gradients are fp32, every parameter gets a gradient, and the
   * gradient points where fp32's does (cosine similarity above 0.999, same seed, same batch).
   */
  @Test
  void bf16GradientsArriveInFp32AndAgreeWithFp32() {
    SgdConfig sgd = SgdConfig.builder().optLearningRate(0.01).build();
    Batch batch = randomBatch(8, 11);
    try (ReplicaTrainer full = ReplicaTrainer.create(FP32, Device.cpu(), sgd, 5);
        ReplicaTrainer mixed = ReplicaTrainer.create(BF16, Device.cpu(), sgd, 5)) {
      assertArrayEquals(full.flatParameters(), mixed.flatParameters());
      double lossFull = full.computeGradients(batch, 1.0).objective();
      double lossMixed = mixed.computeGradients(batch, 1.0).objective();
      for (Parameter p : mixed.model().parameters()) {
        assertEquals(DataType.FLOAT32, p.getArray().getDataType(), p.getName());
        NDArray g = Autograd.gradientOrNull(p.getArray());
        assertTrue(g != null, "no gradient for " + p.getName());
        assertEquals(DataType.FLOAT32, g.getDataType(), p.getName());
        g.close();
      }
      float[] a = full.flatGradient();
      float[] b = mixed.flatGradient();
      double dot = 0;
      double na = 0;
      double nb = 0;
      for (int i = 0; i < a.length; i++) {
        dot += (double) a[i] * b[i];
        na += (double) a[i] * a[i];
        nb += (double) b[i] * b[i];
      }
      double cosine = dot / Math.sqrt(na * nb);
      System.out.printf("loss fp32 %.5f bf16 %.5f, gradient cosine %.5f, norms %.4f %.4f%n",
          lossFull, lossMixed, cosine, Math.sqrt(na), Math.sqrt(nb));
      assertEquals(lossFull, lossMixed, 0.02 * lossFull);
      assertTrue(cosine > 0.999, "gradient cosine similarity bf16 vs fp32: " + cosine);
      assertFalse(java.util.Arrays.equals(a, b), "bf16 gradient identical to fp32's: bf16 did not run");
    }
  }

  static Batch randomBatch(int b, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] images = new float[b * 3 * 64 * 64];
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) r.nextGaussian();
    }
    int[] classes = new int[b * 3];
    int[] scenes = new int[b];
    for (int i = 0; i < b; i++) {
      int leaf = r.nextInt(8);
      classes[i * 3] = leaf / 4;
      classes[i * 3 + 1] = leaf / 2;
      classes[i * 3 + 2] = leaf;
      scenes[i] = r.nextInt(16);
    }
    return Batch.of(images, classes, scenes);
  }
}
