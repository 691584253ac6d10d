package org.geodecoder.eval;

import java.util.Arrays;
import java.util.TreeSet;

/**
 * Accuracy as a function of distance: the fraction of predictions with error {@code <= d}, at
 * log-spaced distances (20 per decade from 0.1 km) plus the reporting thresholds, so the curve
 * passes exactly through the tabulated accuracies, and ending at π·R where it is 1. Immutable.
 */
public final class AccuracyCurve {
  private static final double FIRST_KM = 0.1;
  private static final int POINTS_PER_DECADE = 20;

  private final double[] distancesKm;
  private final double[] accuracy;

  private AccuracyCurve(double[] distancesKm, double[] accuracy) {
    this.distancesKm = distancesKm;
    this.accuracy = accuracy;
  }

  static AccuracyCurve fromSorted(double[] sorted, int n, DistanceThresholds thresholds) {
    double[] grid = grid(thresholds);
    double[] accuracy = new double[grid.length];
    for (int i = 0; i < grid.length; i++) {
      accuracy[i] = SortedDistances.countAtMost(sorted, n, grid[i]) / (double) n;
    }
    return new AccuracyCurve(grid, accuracy);
  }

  /** The distances at which the curve is sampled, ascending. */
  static double[] grid(DistanceThresholds thresholds) {
    TreeSet<Double> distances = new TreeSet<>();
    for (int k = 0; ; k++) {
      double d = FIRST_KM * Math.pow(10, k / (double) POINTS_PER_DECADE);
      if (d >= GreatCircle.MAX_DISTANCE_KM) {
        break;
      }
      distances.add(d);
    }
    for (int i = 0; i < thresholds.size(); i++) {
      distances.add(thresholds.km(i));
    }
    distances.add(GreatCircle.MAX_DISTANCE_KM);
    return distances.stream().mapToDouble(Double::doubleValue).toArray();
  }

  public int size() {
    return distancesKm.length;
  }

  public double[] distancesKm() {
    return distancesKm.clone();
  }

  /** Fractions in [0, 1], non-decreasing, parallel to {@link #distancesKm()}. */
  public double[] accuracy() {
    return accuracy.clone();
  }

  @Override
  public String toString() {
    return "AccuracyCurve" + Arrays.toString(accuracy);
  }
}
