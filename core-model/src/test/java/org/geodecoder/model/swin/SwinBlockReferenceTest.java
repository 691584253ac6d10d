package org.geodecoder.model.swin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Swin block equals plain attention over all tokens of the grid, with a mask computed
 * independently in the grid's own coordinates and a relative position bias gathered by a
 * double loop.
 */
class SwinBlockReferenceTest {
  private static final int DIM = 8;
  private static final int HEADS = 2;
  private static final int SIDE = 8;
  private static final int WINDOW = 4;

  @ParameterizedTest(name = "shift {0}")
  @CsvSource({"0", "2"})
  void windowAttentionEqualsMaskedFullAttention(int shift) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      SwinBlock block = new SwinBlock(DIM, HEADS, SIDE, WINDOW, shift, 2f, 0f);
      block.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
      block.initialize(m, DataType.FLOAT32, new Shape(2, SIDE * SIDE, DIM));
      ai.djl.engine.Engine.getInstance().setRandomSeed(7);
      NDArray x = m.randomNormal(new Shape(2, SIDE * SIDE, DIM));
      ParameterStore ps = new ParameterStore(m, false);

      NDArray actual = block.forward(ps, new NDList(x), false).head();
      NDArray expected = reference(block, ps, x, shift);

      float[] a = actual.toFloatArray();
      float[] e = expected.toFloatArray();
      float maxDiff = 0;
      for (int i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(a[i] - e[i]));
      }
      assertTrue(maxDiff < 1e-5, "max |window − full| = " + maxDiff);
      // the bias and the mask matter: without them the result differs clearly
      NDArray unbiased = fullAttentionBranch(block, ps, x, m.zeros(new Shape(HEADS, 64, 64)));
      assertTrue(unbiased.sub(expected).abs().max().getFloat() > 1e-2);
    }
  }

  /** x + Attn(LN1(x)) with full attention, then + MLP(LN2(·)), the block's own LN and MLP. */
  private static NDArray reference(SwinBlock block, ParameterStore ps, NDArray x, int shift) {
    int l = SIDE * SIDE;
    float[] table = param(block, "relativePositionBiasTable").toFloatArray(); // [(2w-1)², h]
    int span = 2 * WINDOW - 1;
    float[] biasAndMask = new float[HEADS * l * l];
    for (int i = 0; i < l; i++) {
      int ri = i / SIDE;
      int ci = i % SIDE;
      for (int j = 0; j < l; j++) {
        int rj = j / SIDE;
        int cj = j % SIDE;
        // windows of the shifted partition, in original coordinates (no wrap-around)
        boolean sameWindow =
            Math.floorDiv(ri - shift, WINDOW) == Math.floorDiv(rj - shift, WINDOW)
                && Math.floorDiv(ci - shift, WINDOW) == Math.floorDiv(cj - shift, WINDOW);
        int row = (ri - rj + WINDOW - 1) * span + (ci - cj + WINDOW - 1);
        for (int h = 0; h < HEADS; h++) {
          biasAndMask[(h * l + i) * l + j] =
              sameWindow ? table[row * HEADS + h] : Float.NEGATIVE_INFINITY;
        }
      }
    }
    NDArray bias = x.getManager().create(biasAndMask, new Shape(HEADS, l, l));
    return fullAttentionBranch(block, ps, x, bias);
  }

  private static NDArray fullAttentionBranch(
      SwinBlock block, ParameterStore ps, NDArray x, NDArray bias) {
    long b = x.getShape().get(0);
    int l = SIDE * SIDE;
    int d = DIM / HEADS;
    NDArray n = layerNorm(block, "norm1", x);
    NDArray q = linear(block, "query", n).reshape(b, l, HEADS, d).transpose(0, 2, 1, 3);
    NDArray k = linear(block, "key", n).reshape(b, l, HEADS, d).transpose(0, 2, 1, 3);
    NDArray v = linear(block, "value", n).reshape(b, l, HEADS, d).transpose(0, 2, 1, 3);
    NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div(Math.sqrt(d)).add(bias);
    NDArray o = scores.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, l, DIM);
    NDArray y = x.add(linear(block, "projection", o));
    NDArray mlp = layerNorm(block, "norm2", y);
    mlp = linear(block, "fc1", mlp);
    mlp = ai.djl.nn.Activation.gelu(mlp);
    return y.add(linear(block, "fc2", mlp));
  }

  private static NDArray linear(SwinBlock block, String name, NDArray x) {
    NDArray w = param(block, name + "_weight");
    NDArray y = x.matMul(w.transpose());
    NDArray bias = find(block, name + "_bias");
    return bias == null ? y : y.add(bias);
  }

  private static NDArray layerNorm(SwinBlock block, String name, NDArray x) {
    NDArray mean = x.mean(new int[] {2}, true);
    NDArray var = x.sub(mean).pow(2).mean(new int[] {2}, true);
    return x.sub(mean)
        .div(var.add(1e-5).sqrt())
        .mul(param(block, name + "_gamma"))
        .add(param(block, name + "_beta"));
  }

  static NDArray param(ai.djl.nn.Block block, String suffix) {
    NDArray a = find(block, suffix);
    if (a == null) {
      throw new AssertionError("No parameter ending in " + suffix);
    }
    return a;
  }

  private static NDArray find(ai.djl.nn.Block block, String suffix) {
    NDArray found = null;
    for (Pair<String, Parameter> p : block.getParameters()) {
      String key = p.getKey().replaceAll("\\d\\d(?=[a-zA-Z])", "");
      if (key.endsWith(suffix) && (key.equals(suffix) || key.endsWith("_" + suffix))) {
        assertEquals(null, found, "ambiguous suffix " + suffix);
        found = p.getValue().getArray();
      }
    }
    return found;
  }

  @org.junit.jupiter.api.Test
  void patchMergingMatchesHandComputed4x4() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      // 4×4 grid, 1 channel, token (r, c) = 10r + c
      float[] grid = new float[16];
      for (int i = 0; i < 16; i++) {
        grid[i] = 10 * (i / 4) + i % 4;
      }
      NDArray x = m.create(grid, new Shape(1, 16, 1));
      NDArray merged = x.reshape(1, 2, 2, 2, 2, 1).transpose(0, 1, 3, 4, 2, 5).reshape(1, 4, 4);
      // what PatchMerging feeds to its norm: per 2×2 group (0,0), (1,0), (0,1), (1,1)
      float[] expected = {
        0, 10, 1, 11, //
        2, 12, 3, 13, //
        20, 30, 21, 31, //
        22, 32, 23, 33
      };
      PatchMerging merging = new PatchMerging(1, 4);
      merging.initialize(m, DataType.FLOAT32, new Shape(1, 16, 1));
      // norm: scale 1, shift 0; reduction: identity-free 4→2 with known weights
      param(merging, "norm_gamma").set(new float[] {1, 1, 1, 1});
      param(merging, "norm_beta").set(new float[] {0, 0, 0, 0});
      param(merging, "reduction_weight").set(new float[] {1, 0, 0, 0, 0, 1, 2, 3});
      NDArray out =
          merging.forward(new ParameterStore(m, false), new NDList(x), false).head();
      assertEquals(new Shape(1, 4, 2), out.getShape());
      assertArrayEquals(expected, merged.toFloatArray());
      float[] o = out.toFloatArray();
      for (int t = 0; t < 4; t++) {
        float[] v = new float[4];
        System.arraycopy(expected, 4 * t, v, 0, 4);
        float mean = (v[0] + v[1] + v[2] + v[3]) / 4;
        float var = 0;
        for (float f : v) {
          var += (f - mean) * (f - mean) / 4;
        }
        float[] n = new float[4];
        for (int i = 0; i < 4; i++) {
          n[i] = (float) ((v[i] - mean) / Math.sqrt(var + 1e-5));
        }
        assertEquals(n[0], o[2 * t], 1e-5, "token " + t + " channel 0");
        assertEquals(n[1] + 2 * n[2] + 3 * n[3], o[2 * t + 1], 1e-5, "token " + t + " channel 1");
      }
    }
  }
}
