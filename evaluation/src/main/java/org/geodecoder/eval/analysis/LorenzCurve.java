package org.geodecoder.eval.analysis;

import java.util.Arrays;

/**
 * The Lorenz curve of a distribution of non-negative amounts: after sorting ascending, point k
 * is (k/n, share of the total held by the k smallest), from (0, 0) to (1, 1). The Gini
 * coefficient is twice the area between the curve and the diagonal. Immutable.
 */
public final class LorenzCurve {
  private final double[] populationShare;
  private final double[] amountShare;
  private final double gini;

  private LorenzCurve(double[] populationShare, double[] amountShare, double gini) {
    this.populationShare = populationShare;
    this.amountShare = amountShare;
    this.gini = gini;
  }

  /**
   * @throws IllegalArgumentException as {@link Inequality#gini(double[])}
   */
  public static LorenzCurve of(double[] values) {
    double[] sorted = Inequality.checked(values).clone();
    Arrays.sort(sorted);
    int n = sorted.length;
    double[] x = new double[n + 1];
    double[] y = new double[n + 1];
    double total = 0;
    for (double v : sorted) {
      total += v;
    }
    double running = 0;
    for (int k = 1; k <= n; k++) {
      running += sorted[k - 1];
      x[k] = k / (double) n;
      y[k] = running / total;
    }
    y[n] = 1; // exact endpoint despite rounding of the running sum
    return new LorenzCurve(x, y, Inequality.giniOfSorted(sorted));
  }

  /** As {@link #of(double[])} for counts. */
  public static LorenzCurve of(long[] counts) {
    return of(Inequality.toDoubles(counts));
  }

  /** Number of points, n + 1 for n amounts. */
  public int size() {
    return populationShare.length;
  }

  /** Cumulative share of the population (amounts ordered smallest first), in [0, 1]. */
  public double[] populationShare() {
    return populationShare.clone();
  }

  /** Cumulative share of the total amount, in [0, 1], parallel to {@link #populationShare()}. */
  public double[] amountShare() {
    return amountShare.clone();
  }

  public double gini() {
    return gini;
  }

  /**
   * The curve reduced to at most {@code maxPoints} points (evenly spaced in population share, both
   * ends kept) for plots and reports; the Gini coefficient stays the exact one.
   *
   * @throws IllegalArgumentException when {@code maxPoints < 2}
   */
  public LorenzCurve downsampled(int maxPoints) {
    if (maxPoints < 2) {
      throw new IllegalArgumentException("maxPoints must be >= 2, got " + maxPoints);
    }
    if (size() <= maxPoints) {
      return this;
    }
    double[] x = new double[maxPoints];
    double[] y = new double[maxPoints];
    int last = size() - 1;
    for (int k = 0; k < maxPoints; k++) {
      int i = (int) Math.round(k * (double) last / (maxPoints - 1));
      x[k] = populationShare[i];
      y[k] = amountShare[i];
    }
    return new LorenzCurve(x, y, gini);
  }
}
