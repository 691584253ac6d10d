package org.geodecoder.eval;

import java.util.Arrays;

/**
 * Summary of the errors (great-circle distances, km) of a set of predictions: accuracy at each
 * threshold, mean, median and percentiles, mean GeoGuessr-style score, accuracy curve and
 * error histogram. Exact: computed from all distances, sorted once. Immutable.
 */
public final class ErrorStats {
  /** The percentiles reported in {@link #percentilesKm()}. */
  private static final double[] PERCENTILES = {10, 25, 50, 75, 90, 95, 99};

  private final long count;
  private final DistanceThresholds thresholds;
  private final long[] withinCounts;
  private final double meanKm;
  private final double medianKm;
  private final double[] percentilesKm;
  private final double maxKm;
  private final double meanGeoScore;
  private final AccuracyCurve curve;
  private final ErrorHistogram histogram;

  private ErrorStats(
      long count,
      DistanceThresholds thresholds,
      long[] withinCounts,
      double meanKm,
      double medianKm,
      double[] percentilesKm,
      double maxKm,
      double meanGeoScore,
      AccuracyCurve curve,
      ErrorHistogram histogram) {
    this.count = count;
    this.thresholds = thresholds;
    this.withinCounts = withinCounts;
    this.meanKm = meanKm;
    this.medianKm = medianKm;
    this.percentilesKm = percentilesKm;
    this.maxKm = maxKm;
    this.meanGeoScore = meanGeoScore;
    this.curve = curve;
    this.histogram = histogram;
  }

  /**
   * Statistics of the given distances (copied, then sorted).
   *
   * @throws IllegalArgumentException when there are no distances or one is negative or not finite
   */
  public static ErrorStats of(double[] distancesKm, DistanceThresholds thresholds) {
    if (distancesKm == null || distancesKm.length == 0) {
      throw new IllegalArgumentException("distancesKm must hold at least one distance");
    }
    for (int i = 0; i < distancesKm.length; i++) {
      if (!(distancesKm[i] >= 0) || Double.isInfinite(distancesKm[i])) {
        throw new IllegalArgumentException(
            "distancesKm[" + i + "] must be finite and >= 0, got " + distancesKm[i]);
      }
    }
    double[] sorted = distancesKm.clone();
    Arrays.sort(sorted);
    return fromSorted(sorted, sorted.length, thresholds);
  }

  /** Statistics of the first {@code n >= 1} elements of an ascending array of valid distances. */
  static ErrorStats fromSorted(double[] sorted, int n, DistanceThresholds thresholds) {
    if (n < 1) {
      throw new IllegalArgumentException("n must be >= 1, got " + n);
    }
    long[] within = new long[thresholds.size()];
    for (int i = 0; i < within.length; i++) {
      within[i] = SortedDistances.countAtMost(sorted, n, thresholds.km(i));
    }
    double sum = 0;
    double scoreSum = 0;
    for (int i = 0; i < n; i++) { // ascending order keeps the rounding error of the sum small
      sum += sorted[i];
      scoreSum += GeoScore.of(sorted[i]);
    }
    double[] percentiles = new double[PERCENTILES.length];
    for (int i = 0; i < percentiles.length; i++) {
      percentiles[i] = SortedDistances.percentile(sorted, n, PERCENTILES[i]);
    }
    return new ErrorStats(
        n,
        thresholds,
        within,
        sum / n,
        SortedDistances.percentile(sorted, n, 50),
        percentiles,
        sorted[n - 1],
        scoreSum / n,
        AccuracyCurve.fromSorted(sorted, n, thresholds),
        ErrorHistogram.fromSorted(sorted, n));
  }

  public long count() {
    return count;
  }

  public DistanceThresholds thresholds() {
    return thresholds;
  }

  /** Number of predictions with error {@code <= thresholds().km(i)}. */
  public long withinCount(int i) {
    return withinCounts[i];
  }

  /** Fraction in [0, 1] of predictions with error {@code <= thresholds().km(i)}. */
  public double accuracy(int i) {
    return withinCounts[i] / (double) count;
  }

  public double meanKm() {
    return meanKm;
  }

  /** Exact median; the mean of the two middle errors when the count is even. */
  public double medianKm() {
    return medianKm;
  }

  /** The percentile levels of {@link #percentilesKm()}: 10, 25, 50, 75, 90, 95, 99. */
  public static double[] percentileLevels() {
    return PERCENTILES.clone();
  }

  /** Error percentiles (linear interpolation between ranks) at {@link #percentileLevels()}. */
  public double[] percentilesKm() {
    return percentilesKm.clone();
  }

  public double maxKm() {
    return maxKm;
  }

  /** Mean of {@link GeoScore#of} over the predictions, in [0, 5000]. */
  public double meanGeoScore() {
    return meanGeoScore;
  }

  public AccuracyCurve accuracyCurve() {
    return curve;
  }

  public ErrorHistogram histogram() {
    return histogram;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder("ErrorStats{n=").append(count);
    for (int i = 0; i < withinCounts.length; i++) {
      s.append(", ").append(DistanceThresholds.formatKm(thresholds.km(i))).append('=')
          .append(String.format("%.2f%%", 100 * accuracy(i)));
    }
    return s.append(String.format(", median=%.3f km}", medianKm)).toString();
  }
}
