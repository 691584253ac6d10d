package org.geodecoder.s2;

import java.util.Arrays;

/**
 * Image counts of a set of S2 cells: parallel arrays sorted by cell id (S2 order, which is also
 * the order of the class labels). Immutable; sizes are proportional to cells, never to images.
 */
public final class CellCounts implements java.io.Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] cellIds;
  private final long[] counts;

  private CellCounts(long[] cellIds, long[] counts) {
    this.cellIds = cellIds;
    this.counts = counts;
  }

  /**
   * Builds counts from unsorted (cell, count) pairs, summing repeated cells.
   *
   * @throws IllegalArgumentException if the arrays differ in length or a count is negative
   */
  public static CellCounts fromPairs(long[] cellIds, long[] counts) {
    if (cellIds.length != counts.length) {
      throw new IllegalArgumentException(
          "cellIds and counts differ in length: " + cellIds.length + " vs " + counts.length);
    }
    Integer[] order = new Integer[cellIds.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Unsigned order: S2 cell ids of faces 4 and 5 are negative as signed longs.
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(cellIds[a], cellIds[b]));
    long[] ids = new long[cellIds.length];
    long[] sums = new long[cellIds.length];
    int n = 0;
    for (int k : order) {
      if (counts[k] < 0) {
        throw new IllegalArgumentException("Negative count " + counts[k] + " for cell " + cellIds[k]);
      }
      if (n > 0 && ids[n - 1] == cellIds[k]) {
        sums[n - 1] += counts[k];
      } else {
        ids[n] = cellIds[k];
        sums[n] = counts[k];
        n++;
      }
    }
    return new CellCounts(Arrays.copyOf(ids, n), Arrays.copyOf(sums, n));
  }

  /** Sum of two count sets: one linear merge of the sorted arrays (associative, commutative). */
  public static CellCounts merge(CellCounts a, CellCounts b) {
    long[] ids = new long[a.size() + b.size()];
    long[] sums = new long[ids.length];
    int i = 0;
    int j = 0;
    int n = 0;
    while (i < a.size() || j < b.size()) {
      int c = i >= a.size() ? 1 : j >= b.size() ? -1 : Long.compareUnsigned(a.cellIds[i], b.cellIds[j]);
      if (c < 0) {
        ids[n] = a.cellIds[i];
        sums[n++] = a.counts[i++];
      } else if (c > 0) {
        ids[n] = b.cellIds[j];
        sums[n++] = b.counts[j++];
      } else {
        ids[n] = a.cellIds[i];
        sums[n++] = a.counts[i++] + b.counts[j++];
      }
    }
    return new CellCounts(Arrays.copyOf(ids, n), Arrays.copyOf(sums, n));
  }

  public static CellCounts empty() {
    return new CellCounts(new long[0], new long[0]);
  }

  public int size() {
    return cellIds.length;
  }

  public long cellId(int i) {
    return cellIds[i];
  }

  public long count(int i) {
    return counts[i];
  }

  /** Index of a cell in this set, or a negative number when absent. */
  public int indexOf(long cellId) {
    return CellIds.binarySearchUnsigned(cellIds, 0, cellIds.length, cellId);
  }

  /** Count of a cell, 0 when absent. */
  public long countOf(long cellId) {
    int i = CellIds.binarySearchUnsigned(cellIds, 0, cellIds.length, cellId);
    return i >= 0 ? counts[i] : 0;
  }

  public long total() {
    long t = 0;
    for (long c : counts) {
      t += c;
    }
    return t;
  }
}
