package org.geodecoder.model.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.geodecoder.model.ClassHierarchy;
import org.junit.jupiter.api.Test;

class HierarchicalInferenceTest {
  /** Hierarchy 0: {A, B}; hierarchy 1: {A1, A2, B1}; hierarchy 2: {A1x, A2x, A2y, B1x}. */
  private static final ClassHierarchy TREE =
      ClassHierarchy.fromArrays(
          new int[] {2, 3, 4},
          new int[][] {null, {0, 0, 1}, {0, 1, 1, 2}},
          new double[][] {{10, 20}, {11, 12, 21}, {1, 2, 3, 4}},
          new double[][] {{0, 0}, {0, 0, 0}, {-1, -2, -3, -4}});

  @Test
  void finestScoreIsTheProductOverAncestors() {
    double[][] p = {{0.3, 0.7}, {0.5, 0.1, 0.4}, {0.1, 0.2, 0.3, 0.4}};
    double[] s = HierarchicalProduct.finestScores(TREE, p);
    assertArrayEquals(
        new double[] {0.3 * 0.5 * 0.1, 0.3 * 0.1 * 0.2, 0.3 * 0.1 * 0.3, 0.7 * 0.4 * 0.4},
        s,
        1e-15);
  }

  @Test
  void selectsTheSceneWithHighestConfidenceAndClassifiesItsQueries() {
    int scenes = 2;
    // scene logits for 1 image: scene 1 wins
    float[] sceneLogits = {0.2f, 0.9f};
    // per hierarchy [1, S, K]: scene 0's queries would choose A1x, scene 1's choose B1x
    List<float[]> logits =
        List.of(
            new float[] {5, 0, /* scene 1 */ 0, 5},
            new float[] {5, 0, 0, /* scene 1 */ 0, 0, 5},
            new float[] {5, 0, 0, 0, /* scene 1 */ 0, 0, 0, 5});
    Prediction p = GeoPredictor.decide(TREE, scenes, 2, sceneLogits, logits, 0, 1);
    assertEquals(1, p.scene());
    double e = Math.exp(0.9) / (Math.exp(0.2) + Math.exp(0.9));
    assertEquals(e, p.sceneConfidence(), 1e-6);
    assertEquals(3, p.top().classLabel());
    assertEquals(4.0, p.latDegrees());
    assertEquals(-4.0, p.lonDegrees());
    double p0 = Math.exp(5) / (1 + Math.exp(5));
    double p1 = Math.exp(5) / (2 + Math.exp(5));
    double p2 = Math.exp(5) / (3 + Math.exp(5));
    assertEquals(p0 * p1 * p2, p.top().probability(), 1e-6);
    assertEquals(2, p.cells().size());
  }

  @Test
  void cropModeAveragesSceneLogitsAndProbabilitiesBeforeTheProduct() {
    ClassHierarchy flat =
        ClassHierarchy.fromArrays(
            new int[] {2}, new int[][] {null}, new double[][] {{0, 1}}, new double[][] {{0, 1}});
    // two crops of one image, one scene
    float[] sceneLogits = {0f, 0f};
    List<float[]> logits = List.of(new float[] {2, 0, 0, 1});
    Prediction p = GeoPredictor.decide(flat, 1, 2, sceneLogits, logits, 0, 2);
    double a = Math.exp(2) / (Math.exp(2) + 1);
    double b = 1 / (1 + Math.E);
    assertEquals(0, p.top().classLabel());
    assertEquals((a + b) / 2, p.top().probability(), 1e-9);
    assertEquals(((1 - a) + (1 - b)) / 2, p.cells().get(1).probability(), 1e-9);
  }

  @Test
  void topIndicesAreSortedDescending() {
    assertArrayEquals(
        new int[] {3, 0, 2}, GeoPredictor.topIndices(new double[] {0.5, 0.1, 0.3, 0.9, 0.2}, 3));
    assertArrayEquals(new int[] {1, 0}, GeoPredictor.topIndices(new double[] {0.1, 0.2}, 5));
  }
}
