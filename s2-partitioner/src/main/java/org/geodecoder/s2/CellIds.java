package org.geodecoder.s2;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;

/**
 * Small helpers over raw S2 cell ids ({@code long}). Cell ids compare as unsigned 64-bit
 * numbers in S2's Hilbert-curve order; every cell covers the contiguous leaf range
 * {@code [rangeMin, rangeMax]}, which is what makes sorted-array lookups possible.
 */
public final class CellIds {
  private CellIds() {}

  /** Leaf (level 30, about 1 cm) cell of a point given in degrees. */
  public static long leafOf(double latDegrees, double lonDegrees) {
    return S2CellId.fromLatLng(S2LatLng.fromDegrees(latDegrees, lonDegrees)).id();
  }

  /** Ancestor of {@code cellId} at {@code level} (must not be finer than the cell). */
  public static long parent(long cellId, int level) {
    // Same bit arithmetic as S2CellId.parent(level), without allocating.
    long lsb = 1L << (2 * (30 - level));
    return (cellId & -lsb) | lsb;
  }

  public static int level(long cellId) {
    return new S2CellId(cellId).level();
  }

  public static long rangeMin(long cellId) {
    return cellId - ((cellId & -cellId) - 1);
  }

  public static long rangeMax(long cellId) {
    return cellId + ((cellId & -cellId) - 1);
  }

  public static String toToken(long cellId) {
    return new S2CellId(cellId).toToken();
  }

  public static long fromToken(String token) {
    return S2CellId.fromToken(token).id();
  }

  /** Binary search in an array sorted as unsigned longs; same contract as Arrays.binarySearch. */
  public static int binarySearchUnsigned(long[] a, int from, int to, long key) {
    int lo = from;
    int hi = to - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(a[mid], key);
      if (c < 0) {
        lo = mid + 1;
      } else if (c > 0) {
        hi = mid - 1;
      } else {
        return mid;
      }
    }
    return -(lo + 1);
  }
}
