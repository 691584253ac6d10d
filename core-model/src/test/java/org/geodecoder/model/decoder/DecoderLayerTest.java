package org.geodecoder.model.decoder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class DecoderLayerTest {
  private static final int H = 3;
  private static final int S = 2;
  private static final int D = 8;

  /** Outputs of (query rows of hierarchy 0, rows of hierarchy 1) with and without perturbing 1. */
  private static float[][] perturbHierarchyOne(boolean hierarchical) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(11);
      DecoderLayer layer = new DecoderLayer(D, 2, 2f, H, S, hierarchical);
      layer.initialize(m, DataType.FLOAT32, new Shape(1, H * S, D), new Shape(1, 4, D));
      NDArray q = m.randomNormal(new Shape(1, H * S, D));
      NDArray tokens = m.randomNormal(new Shape(1, 4, D));
      float[] noise = new float[H * S * D];
      for (int i = S * D; i < 2 * S * D; i++) {
        noise[i] = 0.5f + i % 3; // only the queries of hierarchy 1 (rows 2, 3)
      }
      NDArray perturbed = q.add(m.create(noise, q.getShape()));
      ParameterStore ps = new ParameterStore(m, false);
      float[] a = layer.forward(ps, new NDList(q, tokens), false).head().toFloatArray();
      float[] b = layer.forward(ps, new NDList(perturbed, tokens), false).head().toFloatArray();
      return new float[][] {a, b};
    }
  }

  @Test
  void hierarchyDependentLayerIsolatesHierarchies() {
    float[][] out = perturbHierarchyOne(true);
    int rows = S * D;
    for (int h : new int[] {0, 2}) {
      float[] before = java.util.Arrays.copyOfRange(out[0], h * rows, (h + 1) * rows);
      float[] after = java.util.Arrays.copyOfRange(out[1], h * rows, (h + 1) * rows);
      assertArrayEquals(before, after, "hierarchy " + h + " changed");
    }
    assertTrue(maxDiff(out[0], out[1], rows, 2 * rows) > 1e-2, "hierarchy 1 itself must change");
  }

  @Test
  void sharedLayerMixesHierarchies() {
    float[][] out = perturbHierarchyOne(false);
    int rows = S * D;
    assertTrue(maxDiff(out[0], out[1], 0, rows) > 1e-4, "hierarchy 0 should see hierarchy 1");
  }

  @Test
  void maskBlocksOtherHierarchiesOnly() {
    float[] mask = DecoderLayer.hierarchyMask(2, 2);
    float x = DecoderLayer.BLOCKED;
    assertArrayEquals(new float[] {0, 0, x, x, 0, 0, x, x, x, x, 0, 0, x, x, 0, 0}, mask);
  }

  @Test
  void decoderDeclaresItsShapes() {
    GeoDecoder decoder =
        new GeoDecoder(DecoderConfig.builder().optDim(64).optHeads(4).build(), 7, 1024);
    assertEquals(
        new Shape(8, 112, 64), decoder.getOutputShapes(new Shape[] {new Shape(8, 49, 1024)})[0]);
  }

  private static float maxDiff(float[] a, float[] b, int from, int to) {
    float d = 0;
    for (int i = from; i < to; i++) {
      d = Math.max(d, Math.abs(a[i] - b[i]));
    }
    return d;
  }
}
