package org.geodecoder.geo;

/** Picking an index with probability proportional to its weight, from cumulative weights. */
public final class WeightedChoice {
  private WeightedChoice() {}

  /**
   * The first index whose cumulative weight is at least {@code x}.
   *
   * @param cumulative non-decreasing running sums of the weights
   * @param x uniform in [0, cumulative[last])
   */
  public static int index(double[] cumulative, double x) {
    int lo = 0;
    int hi = cumulative.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cumulative[mid] < x) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
