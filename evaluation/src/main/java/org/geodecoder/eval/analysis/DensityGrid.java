package org.geodecoder.eval.analysis;

import java.io.Serializable;

/**
 * Counts of points in 1° × 1° latitude/longitude cells (180 rows from the south pole, 360
 * columns from the antimeridian), for density heat maps. Mergeable and serializable.
 */
public final class DensityGrid implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final int ROWS = 180;
  public static final int COLS = 360;

  private final long[] counts = new long[ROWS * COLS];
  private long total;

  public DensityGrid() {}

  /** Counts one point; latitude 90 falls in the top row, longitude 180 in the first column. */
  public void add(double latDegrees, double lonDegrees) {
    int row = Math.min(ROWS - 1, Math.max(0, (int) Math.floor(latDegrees + 90)));
    int col = Math.floorMod((int) Math.floor(lonDegrees + 180), COLS);
    counts[row * COLS + col]++;
    total++;
  }

  public DensityGrid merge(DensityGrid other) {
    for (int i = 0; i < counts.length; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    return this;
  }

  /** Points in the cell spanning latitudes [row − 90, row − 89) and longitudes [col − 180, col − 179). */
  public long count(int row, int col) {
    return counts[row * COLS + col];
  }

  public long total() {
    return total;
  }

  public long max() {
    long max = 0;
    for (long c : counts) {
      max = Math.max(max, c);
    }
    return max;
  }

  /** An independent copy. */
  public DensityGrid copy() {
    return new DensityGrid().merge(this);
  }
}
