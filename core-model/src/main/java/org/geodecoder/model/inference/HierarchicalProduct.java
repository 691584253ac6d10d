package org.geodecoder.model.inference;

import org.geodecoder.model.ClassHierarchy;

/**
 * The paper's hierarchical inference: the score of a class of the finest hierarchy is its own
 * probability times the probabilities of its ancestors in every coarser hierarchy.
 */
public final class HierarchicalProduct {
  private HierarchicalProduct() {}

  /**
   * @param hierarchy the tree
   * @param probabilities per hierarchy h, a probability for each class of h
   * @return for each class c of the finest hierarchy, {@code Π_h p_h[ancestor_h(c)]}
   * @throws IllegalArgumentException if a probability vector has the wrong length
   */
  public static double[] finestScores(ClassHierarchy hierarchy, double[][] probabilities) {
    int hs = hierarchy.hierarchies();
    if (probabilities.length != hs) {
      throw new IllegalArgumentException(
          "Expected probabilities for " + hs + " hierarchies, got " + probabilities.length);
    }
    double[] cumulative = null;
    for (int h = 0; h < hs; h++) {
      double[] p = probabilities[h];
      if (p.length != hierarchy.classCount(h)) {
        throw new IllegalArgumentException(
            String.format(
                "Hierarchy %d has %d classes, got %d probabilities",
                h, hierarchy.classCount(h), p.length));
      }
      double[] next = new double[p.length];
      for (int c = 0; c < p.length; c++) {
        next[c] = h == 0 ? p[c] : p[c] * cumulative[hierarchy.parent(h, c)];
      }
      cumulative = next;
    }
    return cumulative;
  }

  /** Softmax of {@code length} logits from {@code offset}, in double precision. */
  static double[] softmax(float[] logits, int offset, int length) {
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < length; i++) {
      max = Math.max(max, logits[offset + i]);
    }
    double[] p = new double[length];
    double sum = 0;
    for (int i = 0; i < length; i++) {
      p[i] = Math.exp(logits[offset + i] - max);
      sum += p[i];
    }
    for (int i = 0; i < length; i++) {
      p[i] /= sum;
    }
    return p;
  }
}
