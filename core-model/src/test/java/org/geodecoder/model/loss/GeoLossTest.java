package org.geodecoder.model.loss;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.geodecoder.model.Autograd;
import org.junit.jupiter.api.Test;

class GeoLossTest {
  @Test
  void ignoresMissingLabelsPerTermAndNormalisesByBatch() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      // B = 2, S = 2, one hierarchy with K = 3
      float[] scene = {1, 0, 0, 2};
      float[] classes = {1, 2, 3, 0, 0, 0, /* sample 1 */ 4, 1, 1, 2, 2, 2};
      NDArray sceneLogits = m.create(scene, new Shape(2, 2));
      NDArray classLogits = m.create(classes, new Shape(2, 2, 3));
      sceneLogits.setRequiresGradient(true);
      classLogits.setRequiresGradient(true);
      int[] classLabels = {2, -1}; // sample 1 has no class
      int[] sceneLabels = {-1, 1}; // sample 0 has no scene
      GeoLoss.Result r =
          Autograd.withGrad(
              true,
              () ->
                  GeoLoss.compute(
                      new NDList(sceneLogits, classLogits), classLabels, sceneLabels, 4));
      double ce0 = (-logSoftmax(new double[] {1, 2, 3}, 2) - logSoftmax(new double[] {0, 0, 0}, 2)) / 2;
      double sceneCe = -logSoftmax(new double[] {0, 2}, 1);
      LossTerms t = r.terms();
      assertEquals(ce0, t.sum(0), 1e-6);
      assertEquals(1, t.count(0));
      assertEquals(sceneCe, t.sum(1), 1e-6);
      assertEquals(1, t.count(1));
      assertEquals((ce0 + sceneCe) / 2, t.objective(), 1e-6);
      assertEquals((ce0 + sceneCe) / 4, r.objective().getFloat(), 1e-6);
      Autograd.backward(r.objective());
      // the ignored terms receive no gradient
      float[] g = classLogits.getGradient().toFloatArray();
      for (int i = 6; i < 12; i++) {
        assertEquals(0f, g[i], "sample 1 class logit " + i);
      }
      float[] gs = sceneLogits.getGradient().toFloatArray();
      assertEquals(0f, gs[0]);
      assertEquals(0f, gs[1]);
      // d/dz of −log softmax(z)[y] / 4 = (softmax − onehot) / 4, for the scene of sample 1
      double p1 = Math.exp(2) / (1 + Math.exp(2));
      assertEquals((p1 - 1) / 4, gs[3], 1e-6);
    }
  }

  /**
   * B = 2, S = 3, one hierarchy with K = 2. Scene logits pick scene 2 for sample 0 and scene 0
   * for sample 1; the scene labels are 1 and −1.
   */
  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.EnumSource(GeoLossQueries.class)
  void supervisesTheChosenQueries(GeoLossQueries queries) {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      float[] scene = {0, 1, 3, /* sample 1 */ 5, 1, 2};
      float[] classes = {0, 1, 2, 0, 0, 3, /* sample 1 */ 1, 0, 0, 2, 4, 4};
      NDArray sceneLogits = m.create(scene, new Shape(2, 3));
      NDArray classLogits = m.create(classes, new Shape(2, 3, 2));
      classLogits.setRequiresGradient(true);
      int[] classLabels = {1, 0};
      int[] sceneLabels = {1, -1};
      GeoLoss.Result r =
          Autograd.withGrad(
              true,
              () ->
                  GeoLoss.compute(
                      new NDList(sceneLogits, classLogits), classLabels, sceneLabels, 2, queries));
      // −log p(y) of each query: sample 0 (label 1) queries 0, 1, 2; sample 1 (label 0) 0, 1, 2
      double[] q0 = {
        -logSoftmax(new double[] {0, 1}, 1),
        -logSoftmax(new double[] {2, 0}, 1),
        -logSoftmax(new double[] {0, 3}, 1)
      };
      double[] q1 = {
        -logSoftmax(new double[] {1, 0}, 0),
        -logSoftmax(new double[] {0, 2}, 0),
        -logSoftmax(new double[] {4, 4}, 0)
      };
      double mean0 = (q0[0] + q0[1] + q0[2]) / 3;
      double mean1 = (q1[0] + q1[1] + q1[2]) / 3;
      double expected =
          switch (queries) {
            case ALL -> mean0 + mean1;
            case SELECTED -> q0[2] + q1[0];
            case TRUE_SCENE -> q0[1] + mean1; // sample 1 has no scene label: all queries
          };
      assertEquals(expected, r.terms().sum(0), 1e-6);
      Autograd.backward(r.objective());
      float[] g = classLogits.getGradient().toFloatArray();
      // queries outside the choice get no gradient
      int[][] silent =
          switch (queries) {
            case ALL -> new int[0][];
            case SELECTED -> new int[][] {{0, 0}, {0, 1}, {1, 1}, {1, 2}};
            case TRUE_SCENE -> new int[][] {{0, 0}, {0, 2}};
          };
      for (int[] q : silent) {
        int at = (q[0] * 3 + q[1]) * 2;
        assertEquals(0f, g[at], "sample " + q[0] + " query " + q[1]);
        assertEquals(0f, g[at + 1], "sample " + q[0] + " query " + q[1]);
      }
      if (queries == GeoLossQueries.ALL) {
        for (int i = 0; i < g.length; i++) {
          org.junit.jupiter.api.Assertions.assertNotEquals(0f, g[i], "logit " + i);
        }
      }
    }
  }

  @Test
  void parsesTheCommandLineSpelling() {
    assertEquals(GeoLossQueries.TRUE_SCENE, GeoLossQueries.parse("true-scene"));
    assertEquals("selected", GeoLossQueries.SELECTED.optionValue());
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> GeoLossQueries.parse("best"));
    assertEquals("Unknown geo loss queries 'best', known: all, selected, true-scene", e.getMessage());
  }

  @Test
  void rejectsOutOfRangeLabelsNamingSampleAndHierarchy() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDList out = new NDList(m.zeros(new Shape(1, 2)), m.zeros(new Shape(1, 2, 3)));
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> GeoLoss.compute(out, new int[] {3}, new int[] {0}, 1));
      assertEquals("Label 3 of hierarchy 0 for sample 0 is outside [-1, 3)", e.getMessage());
    }
  }

  private static double logSoftmax(double[] z, int i) {
    double s = 0;
    for (double v : z) {
      s += Math.exp(v);
    }
    return z[i] - Math.log(s);
  }
}
