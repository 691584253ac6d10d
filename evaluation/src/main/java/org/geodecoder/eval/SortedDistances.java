package org.geodecoder.eval;

/** Helpers over an ascending array of distances (its first {@code n} elements). */
final class SortedDistances {
  private SortedDistances() {}

  /** Number of elements {@code <= x}: the upper bound by binary search. */
  static long countAtMost(double[] sorted, int n, double x) {
    int lo = 0;
    int hi = n;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (sorted[mid] <= x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * The p-th percentile with linear interpolation between closest ranks (the "type 7" definition
   * of R and NumPy's default): for even n the 50th is the mean of the two middle values.
   */
  static double percentile(double[] sorted, int n, double p) {
    double position = p / 100.0 * (n - 1);
    int lo = (int) Math.floor(position);
    if (lo >= n - 1) {
      return sorted[n - 1];
    }
    double fraction = position - lo;
    return sorted[lo] + fraction * (sorted[lo + 1] - sorted[lo]);
  }
}
