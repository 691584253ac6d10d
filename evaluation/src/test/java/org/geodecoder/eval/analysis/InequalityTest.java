package org.geodecoder.eval.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class InequalityTest {
  /** The definition, O(n²): Σ_i Σ_j |x_i − x_j| / (2 n² x̄). */
  private static double giniByDefinition(double[] x) {
    int n = x.length;
    double mean = 0;
    for (double v : x) {
      mean += v / n;
    }
    double sum = 0;
    for (double a : x) {
      for (double b : x) {
        sum += Math.abs(a - b);
      }
    }
    return sum / (2.0 * n * n * mean);
  }

  @Test
  void handCases() {
    assertEquals(0.0, Inequality.gini(new long[] {7, 7, 7, 7}), 1e-15);
    assertEquals(0.0, Inequality.gini(new long[] {3}), 1e-15);
    for (int n : new int[] {1, 2, 5, 100}) {
      long[] oneHoldsAll = new long[n];
      oneHoldsAll[n / 2] = 12;
      assertEquals((n - 1) / (double) n, Inequality.gini(oneHoldsAll), 1e-12, "n=" + n);
    }
    // {1, 3}: |1-3| * 2 / (2 * 4 * 2) = 0.25
    assertEquals(0.25, Inequality.gini(new double[] {3, 1}), 1e-15);
  }

  @Test
  void sortedFormEqualsTheDefinitionOnRandomData() {
    SplittableRandom random = new SplittableRandom(11);
    for (int trial = 0; trial < 20; trial++) {
      int n = 1 + random.nextInt(400);
      double[] x = new double[n];
      for (int i = 0; i < n; i++) {
        // heavy-tailed, like images per city, with some zeros
        x[i] = random.nextInt(5) == 0 ? 0 : Math.floor(Math.exp(6 * random.nextDouble()));
      }
      x[0] = 1; // at least one positive value
      assertEquals(giniByDefinition(x), Inequality.gini(x), 1e-12, "trial " + trial);
    }
  }

  @Test
  void lorenzCurvePointsAndAreaMatchTheGini() {
    LorenzCurve curve = LorenzCurve.of(new long[] {5, 0, 3, 2});
    assertArrayEquals(new double[] {0, 0.25, 0.5, 0.75, 1}, curve.populationShare(), 1e-15);
    assertArrayEquals(new double[] {0, 0, 0.2, 0.5, 1}, curve.amountShare(), 1e-15);
    double area = 0; // trapezoids under the curve
    double[] x = curve.populationShare();
    double[] y = curve.amountShare();
    for (int k = 1; k < x.length; k++) {
      area += (x[k] - x[k - 1]) * (y[k] + y[k - 1]) / 2;
    }
    assertEquals(1 - 2 * area, curve.gini(), 1e-15);
    assertEquals(Inequality.gini(new long[] {5, 0, 3, 2}), curve.gini(), 1e-15);
  }

  @Test
  void downsamplingKeepsEndsAndGini() {
    long[] counts = new long[10_000];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = i % 97 + 1;
    }
    LorenzCurve full = LorenzCurve.of(counts);
    LorenzCurve small = full.downsampled(101);
    assertEquals(10_001, full.size());
    assertEquals(101, small.size());
    assertEquals(0, small.populationShare()[0], 0.0);
    assertEquals(1, small.amountShare()[100], 0.0);
    assertEquals(full.amountShare()[5000], small.amountShare()[50], 0.0);
    assertEquals(full.gini(), small.gini(), 0.0);
    assertSame(small, small.downsampled(200));
  }

  @Test
  void rejectsWhatHasNoGini() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Inequality.gini(new long[] {0, 0}));
    assertTrue(e.getMessage().contains("all be zero"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Inequality.gini(new double[] {1, -1}));
    assertTrue(e.getMessage().contains("values[1]"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Inequality.gini(new double[0]));
    assertTrue(e.getMessage().contains("at least one"), e.getMessage());
  }
}
