package org.geodecoder.s2;

import java.io.Serializable;

/**
 * Maps a leaf cell id to its class in every hierarchy (−1 where its cell was dropped).
 *
 * <p>The classes of one hierarchy are disjoint cells, each covering the contiguous leaf range
 * {@code [rangeMin, rangeMax]}; with the cells sorted, one binary search on {@code rangeMin}
 * finds the only candidate. That is O(log K) per hierarchy with primitive arrays only, cheap
 * enough to label billions of rows. Serializable so Spark can broadcast it; immutable.
 */
public final class LeafLabeler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[][] rangeMin;
  private final long[][] rangeMax;

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
    for (int h = 0; h < rangeMin.length; h++) {
      out[h] = label(h, leafId);
    }
  }
}
