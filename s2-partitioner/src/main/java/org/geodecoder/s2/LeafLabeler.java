package org.geodecoder.s2;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Maps a leaf cell id to its class in every hierarchy (−1 where its cell was dropped).
 *
 * <p>The classes of one hierarchy are disjoint cells, each covering the contiguous leaf range
 * {@code [rangeMin, rangeMax]}; with the cells sorted, one binary search on {@code rangeMin}
 * finds the only candidate. That is O(log K) per hierarchy with primitive arrays only, cheap
 * enough to label billions of rows. Serializable so Spark can broadcast it; immutable.
 *
 * <p>{@link #labels} labels all hierarchies with one search: the ends of every class's leaf range
 * cut the leaf line into intervals inside which each hierarchy's class is constant, so a table
 * of interval starts and their labels (built once, at most 2·ΣK + 1 rows) answers with one
 * binary search instead of one per hierarchy.
 */
public final class LeafLabeler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[][] rangeMin;
  private final long[][] rangeMax;
  /** Interval starts, sorted, sign bit flipped (unsigned order as signed order); the first is 0. */
  private final long[] intervalStartsFlipped;
  /** Labels of interval k in all hierarchies: {@code intervalLabels[k * H + h]}. */
  private final int[] intervalLabels;

  LeafLabeler(long[][] cellIds) {
    rangeMin = new long[cellIds.length][];
    rangeMax = new long[cellIds.length][];
    for (int h = 0; h < cellIds.length; h++) {
      rangeMin[h] = new long[cellIds[h].length];
      rangeMax[h] = new long[cellIds[h].length];
      for (int i = 0; i < cellIds[h].length; i++) {
        rangeMin[h][i] = CellIds.rangeMin(cellIds[h][i]);
        rangeMax[h][i] = CellIds.rangeMax(cellIds[h][i]);
      }
    }
    int total = 0;
    for (long[] ids : cellIds) {
      total += ids.length;
    }
    long[] cuts = new long[2 * total + 1];
    int n = 0;
    cuts[n++] = 0;
    for (int h = 0; h < cellIds.length; h++) {
      for (int i = 0; i < rangeMin[h].length; i++) {
        cuts[n++] = rangeMin[h][i];
        cuts[n++] = rangeMax[h][i] + 1; // a leaf range never ends at the last 64-bit value
      }
    }
    SortedLeafCounter.sortUnsigned(cuts);
    int unique = 0;
    for (int i = 0; i < cuts.length; i++) {
      if (i == 0 || cuts[i] != cuts[i - 1]) {
        cuts[unique++] = cuts[i];
      }
    }
    int hierarchies = cellIds.length;
    intervalStartsFlipped = new long[unique];
    intervalLabels = new int[unique * hierarchies];
    for (int k = 0; k < unique; k++) {
      intervalStartsFlipped[k] = cuts[k] ^ Long.MIN_VALUE;
      for (int h = 0; h < hierarchies; h++) {
        intervalLabels[k * hierarchies + h] = label(h, cuts[k]);
      }
    }
  }

  public int hierarchies() {
    return rangeMin.length;
  }

  /** Class of the leaf in one hierarchy, or −1. */
  public int label(int hierarchy, long leafId) {
    long[] mins = rangeMin[hierarchy];
    // Last cell whose rangeMin <= leaf (unsigned).
    int lo = 0;
    int hi = mins.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(mins[mid], leafId) <= 0) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    if (found >= 0 && Long.compareUnsigned(leafId, rangeMax[hierarchy][found]) <= 0) {
      return found;
    }
    return -1;
  }

  /** Classes of the leaf in all hierarchies, written into {@code out} (length = hierarchies). */
  public void labels(long leafId, int[] out) {
    int at = Arrays.binarySearch(intervalStartsFlipped, leafId ^ Long.MIN_VALUE);
    int k = at >= 0 ? at : -at - 2; // the last start <= leaf; start 0 is <= every leaf
    System.arraycopy(intervalLabels, k * rangeMin.length, out, 0, rangeMin.length);
  }
}
