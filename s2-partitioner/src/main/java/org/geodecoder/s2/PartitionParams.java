package org.geodecoder.s2;

import java.util.Arrays;
import java.util.List;

/**
 * Thresholds of the adaptive S2 partitioning, one entry per hierarchy (coarsest first).
 *
 * <p>A hierarchy with thresholds {@code (tmin, tmax)}: start from every cell of level {@code
 * minLevel} holding an image, drop cells with {@code count <= tmin}, then level by level up to
 * {@code maxLevel} replace every cell with {@code count > tmax} by its (non-empty) children, and
 * finally drop cells with {@code count <= tmin} again. This is GeoEstimation's {@code
 * create_cells}, the algorithm behind the class counts of the paper (684 … 21673 on MP-16).
 * Immutable.
 */
public final class PartitionParams {
  /** Paper defaults: tmin = 50 for all seven hierarchies. */
  public static final int TMIN_DEFAULT = 50;
  /** Paper defaults: tmax of the seven hierarchies, coarsest first. */
  public static final List<Long> TMAX_DEFAULT = List.of(25000L, 10000L, 5000L, 2000L, 1000L, 750L, 500L);
  public static final int MIN_LEVEL_DEFAULT = 2;
  public static final int MAX_LEVEL_DEFAULT = 30;

  private final long[] tmin;
  private final long[] tmax;
  private final int minLevel;
  private final int maxLevel;

  private PartitionParams(long[] tmin, long[] tmax, int minLevel, int maxLevel) {
    this.tmin = tmin;
    this.tmax = tmax;
    this.minLevel = minLevel;
    this.maxLevel = maxLevel;
  }

  /** The paper's seven hierarchies. */
  public static PartitionParams paperDefaults() {
    return of(TMIN_DEFAULT, TMAX_DEFAULT.stream().mapToLong(Long::longValue).toArray());
  }

  /** One shared {@code tmin} for every hierarchy, levels 2..30. */
  public static PartitionParams of(long tmin, long... tmax) {
    long[] mins = new long[tmax.length];
    Arrays.fill(mins, tmin);
    return of(mins, tmax, MIN_LEVEL_DEFAULT, MAX_LEVEL_DEFAULT);
  }

  /**
   * @throws IllegalArgumentException naming the bad value: empty list, lists of different
   *     length, negative tmin, {@code tmin >= tmax}, tmax not non-increasing (hierarchies would
   *     not nest), or levels outside [0, 30] / minLevel > maxLevel
   */
  public static PartitionParams of(long[] tmin, long[] tmax, int minLevel, int maxLevel) {
    if (tmax.length == 0) {
      throw new IllegalArgumentException("tmax must list at least one hierarchy");
    }
    if (tmin.length != tmax.length) {
      throw new IllegalArgumentException(
          "tmin lists " + tmin.length + " values but tmax lists " + tmax.length
              + "; give one tmin or one per hierarchy");
    }
    for (int h = 0; h < tmax.length; h++) {
      if (tmin[h] < 0) {
        throw new IllegalArgumentException(
            "tmin of hierarchy " + (h + 1) + " is " + tmin[h] + ", must be >= 0");
      }
      if (tmin[h] >= tmax[h]) {
        throw new IllegalArgumentException(
            "tmin (" + tmin[h] + ") must be smaller than tmax (" + tmax[h] + ") of hierarchy "
                + (h + 1));
      }
      // Nesting needs finer hierarchies to split at least as much (tmax not increasing) and to
      // drop only cells whose coarser ancestors are kept (tmin not decreasing).
      if (h > 0 && (tmax[h] > tmax[h - 1] || tmin[h] < tmin[h - 1])) {
        throw new IllegalArgumentException(
            "Hierarchies must go from coarse to fine (tmax must not increase and tmin must not "
                + "decrease) so that they nest, but "
                + "hierarchy " + (h + 1) + " has tmin=" + tmin[h] + ", tmax=" + tmax[h]
                + " after tmin=" + tmin[h - 1] + ", tmax=" + tmax[h - 1]);
      }
    }
    if (minLevel < 0 || maxLevel > 30 || minLevel > maxLevel) {
      throw new IllegalArgumentException(
          "Levels must satisfy 0 <= minLevel <= maxLevel <= 30, got minLevel=" + minLevel
              + ", maxLevel=" + maxLevel);
    }
    return new PartitionParams(tmin.clone(), tmax.clone(), minLevel, maxLevel);
  }

  public int hierarchies() {
    return tmax.length;
  }

  public long tmin(int hierarchy) {
    return tmin[hierarchy];
  }

  public long tmax(int hierarchy) {
    return tmax[hierarchy];
  }

  public int minLevel() {
    return minLevel;
  }

  public int maxLevel() {
    return maxLevel;
  }

  @Override
  public String toString() {
    return "PartitionParams{tmin=" + Arrays.toString(tmin) + ", tmax=" + Arrays.toString(tmax)
        + ", levels=" + minLevel + ".." + maxLevel + "}";
  }
}
