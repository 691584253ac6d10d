package org.geodecoder.eval;

/**
 * Counts of errors in log-spaced bins: bin 0 is {@code [0, 0.1] km} (exact and near-exact hits),
 * then five bins per decade {@code (e_i, e_(i+1)]} up to the first edge beyond π·R. Immutable.
 */
public final class ErrorHistogram {
  private static final double FIRST_EDGE_KM = 0.1;
  private static final int BINS_PER_DECADE = 5;

  private final double[] edgesKm;
  private final long[] counts;

  private ErrorHistogram(double[] edgesKm, long[] counts) {
    this.edgesKm = edgesKm;
    this.counts = counts;
  }

  static ErrorHistogram fromSorted(double[] sorted, int n) {
    double[] edges = edges();
    long[] counts = new long[edges.length - 1];
    long below = 0;
    for (int i = 0; i < counts.length; i++) {
      long atMost = SortedDistances.countAtMost(sorted, n, edges[i + 1]);
      counts[i] = atMost - below;
      below = atMost;
    }
    return new ErrorHistogram(edges, counts);
  }

  /** Bin edges in km: 0, 0.1, 0.158, 0.251, ... up to 25,119. */
  static double[] edges() {
    int decades = (int) Math.ceil(BINS_PER_DECADE * Math.log10(GreatCircle.MAX_DISTANCE_KM / FIRST_EDGE_KM));
    double[] edges = new double[decades + 2];
    for (int k = 0; k <= decades; k++) {
      edges[k + 1] = FIRST_EDGE_KM * Math.pow(10, k / (double) BINS_PER_DECADE);
    }
    return edges;
  }

  public int bins() {
    return counts.length;
  }

  /** {@code bins() + 1} edges in km, starting at 0. */
  public double[] edgesKm() {
    return edgesKm.clone();
  }

  public long[] counts() {
    return counts.clone();
  }

  public long total() {
    long total = 0;
    for (long c : counts) {
      total += c;
    }
    return total;
  }
}
