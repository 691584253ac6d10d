package org.geodecoder.eval.analysis;

import java.util.Arrays;

/**
 * The Gini coefficient of a distribution of non-negative amounts (e.g. images per city),
 * {@code G = Σ_i Σ_j |x_i − x_j| / (2 n² x̄)}, computed in O(n log n) through its sorted form
 * {@code G = 2 Σ_i i·x_(i) / (n Σ x) − (n + 1) / n} (x ascending, i = 1..n), which is the same
 * quantity exactly. 0 when all amounts are equal; (n − 1)/n when one holds everything.
 */
public final class Inequality {
  private Inequality() {}

  /**
   * @throws IllegalArgumentException when there are no values, a value is negative or not
   *     finite, or all values are zero
   */
  public static double gini(double[] values) {
    double[] sorted = checked(values).clone();
    Arrays.sort(sorted);
    return giniOfSorted(sorted);
  }

  /** As {@link #gini(double[])} for counts. */
  public static double gini(long[] counts) {
    return gini(toDoubles(counts));
  }

  /** The Gini coefficient of ascending, valid values with a positive sum. */
  static double giniOfSorted(double[] sorted) {
    int n = sorted.length;
    double sum = 0;
    double weighted = 0;
    for (int i = 0; i < n; i++) {
      sum += sorted[i];
      weighted += (i + 1) * sorted[i];
    }
    return 2 * weighted / (n * sum) - (n + 1) / (double) n;
  }

  static double[] checked(double[] values) {
    if (values == null || values.length == 0) {
      throw new IllegalArgumentException("values must hold at least one amount");
    }
    double sum = 0;
    for (int i = 0; i < values.length; i++) {
      if (!(values[i] >= 0) || Double.isInfinite(values[i])) {
        throw new IllegalArgumentException(
            "values[" + i + "] must be finite and >= 0, got " + values[i]);
      }
      sum += values[i];
    }
    if (sum == 0) {
      throw new IllegalArgumentException(
          "values must not all be zero: the Gini coefficient of nothing is undefined");
    }
    return values;
  }

  static double[] toDoubles(long[] counts) {
    if (counts == null) {
      throw new IllegalArgumentException("counts must be set");
    }
    double[] values = new double[counts.length];
    for (int i = 0; i < counts.length; i++) {
      values[i] = counts[i];
    }
    return values;
  }
}
