package org.geodecoder.s2;

import java.util.Arrays;

/**
 * A {@link CellCounter} over leaf cell ids held in memory. Sorting once makes every level a
 * single linear scan: the leaves of one cell are a contiguous run. The Spark job runs one of
 * these per partition and sums the per-cell results.
 */
public final class SortedLeafCounter implements CellCounter {
  private final long[] sortedLeaves;

  private SortedLeafCounter(long[] sortedLeaves) {
    this.sortedLeaves = sortedLeaves;
  }

  /** Copies and sorts the leaves (unsigned order). */
  public static SortedLeafCounter of(long[] leaves) {
    return new SortedLeafCounter(sortUnsigned(leaves.clone()));
  }

  /** Wraps an array the caller already sorted with {@link #sortUnsigned}; no copy. */
  public static SortedLeafCounter ofSorted(long[] sortedLeaves) {
    return new SortedLeafCounter(sortedLeaves);
  }

  /** Sorts in place as unsigned values (flip the sign bit, sort signed, flip back). */
  public static long[] sortUnsigned(long[] values) {
    for (int i = 0; i < values.length; i++) {
      values[i] ^= Long.MIN_VALUE;
    }
    Arrays.sort(values);
    for (int i = 0; i < values.length; i++) {
      values[i] ^= Long.MIN_VALUE;
    }
    return values;
  }

  @Override
  public CellCounts countChildren(int level, long[] parents) {
    long[] cells = new long[16];
    long[] counts = new long[16];
    int n = 0;
    long lastParent = 0;
    boolean lastParentWanted = false;
    boolean haveParent = false;
    for (long leaf : sortedLeaves) {
      if (parents != null) {
        long parent = CellIds.parent(leaf, level - 1);
        if (!haveParent || parent != lastParent) {
          lastParent = parent;
          haveParent = true;
          lastParentWanted = CellIds.binarySearchUnsigned(parents, 0, parents.length, parent) >= 0;
        }
        if (!lastParentWanted) {
          continue;
        }
      }
      long cell = CellIds.parent(leaf, level);
      if (n > 0 && cells[n - 1] == cell) {
        counts[n - 1]++;
      } else {
        if (n == cells.length) {
          cells = Arrays.copyOf(cells, n * 2);
          counts = Arrays.copyOf(counts, n * 2);
        }
        cells[n] = cell;
        counts[n] = 1;
        n++;
      }
    }
    return CellCounts.fromPairs(Arrays.copyOf(cells, n), Arrays.copyOf(counts, n));
  }
}
