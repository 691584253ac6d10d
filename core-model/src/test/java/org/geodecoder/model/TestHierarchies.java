package org.geodecoder.model;

/** Small hand-built class hierarchies for tests. */
public final class TestHierarchies {
  private TestHierarchies() {}

  /**
   * A binary tree: hierarchy h has {@code 2^(h+1)} classes, class c's parent is c / 2; class c of
   * hierarchy h lies at latitude −80 + 160·(c + 0.5)/2^(h+1), longitude 10·h.
   */
  public static ClassHierarchy binary(int hierarchies) {
    int[] counts = new int[hierarchies];
    int[][] parents = new int[hierarchies][];
    double[][] lat = new double[hierarchies][];
    double[][] lon = new double[hierarchies][];
    for (int h = 0; h < hierarchies; h++) {
      counts[h] = 2 << h;
      lat[h] = new double[counts[h]];
      lon[h] = new double[counts[h]];
      if (h > 0) {
        parents[h] = new int[counts[h]];
      }
      for (int c = 0; c < counts[h]; c++) {
        lat[h][c] = -80 + 160.0 * (c + 0.5) / counts[h];
        lon[h][c] = 10.0 * h;
        if (h > 0) {
          parents[h][c] = c / 2;
        }
      }
    }
    return ClassHierarchy.fromArrays(counts, parents, lat, lon);
  }

  /** A flat hierarchy structure with the given class counts, parent = c mod previous count. */
  public static ClassHierarchy withCounts(int... counts) {
    int n = counts.length;
    int[][] parents = new int[n][];
    double[][] lat = new double[n][];
    double[][] lon = new double[n][];
    for (int h = 0; h < n; h++) {
      lat[h] = new double[counts[h]];
      lon[h] = new double[counts[h]];
      if (h > 0) {
        parents[h] = new int[counts[h]];
        for (int c = 0; c < counts[h]; c++) {
          parents[h][c] = c % counts[h - 1];
        }
      }
    }
    return ClassHierarchy.fromArrays(counts, parents, lat, lon);
  }
}
