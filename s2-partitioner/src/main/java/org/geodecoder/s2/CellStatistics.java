package org.geodecoder.s2;

import java.io.Serializable;

/**
 * Per-class sums of image locations, for every hierarchy, kept in exact integer arithmetic.
 *
 * <p>Why integers: floating-point sums depend on the order of addition, so class means would
 * change in their last digits with the input order or the Spark partitioning. Latitudes and
 * longitudes are added in units of 1e-7 degree (about 1 cm) and unit vectors in units of
 * 2^-30 (about 6 mm on the Earth); with 64-bit sums this is exact for up to 10^9 images per
 * class, and {@link #merge} is associative and commutative, so the result is identical for any
 * partitioning. Mutable accumulator; not thread-safe.
 */
public final class CellStatistics implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final double DEGREE_UNITS = 1e7;
  private static final double VECTOR_UNITS = 1 << 30;

  private final long[][] count;
  private final long[][] sumLatE7;
  private final long[][] sumLonE7;
  private final long[][] sumX;
  private final long[][] sumY;
  private final long[][] sumZ;

  /** Empty statistics for the classes of a partitioning. */
  public CellStatistics(int[] classesPerHierarchy) {
    int hierarchies = classesPerHierarchy.length;
    count = new long[hierarchies][];
    sumLatE7 = new long[hierarchies][];
    sumLonE7 = new long[hierarchies][];
    sumX = new long[hierarchies][];
    sumY = new long[hierarchies][];
    sumZ = new long[hierarchies][];
    for (int h = 0; h < hierarchies; h++) {
      int k = classesPerHierarchy[h];
      count[h] = new long[k];
      sumLatE7[h] = new long[k];
      sumLonE7[h] = new long[k];
      sumX[h] = new long[k];
      sumY[h] = new long[k];
      sumZ[h] = new long[k];
    }
  }

  public static CellStatistics forPartitioning(Partitioning partitioning) {
    int[] classes = new int[partitioning.hierarchies()];
    for (int h = 0; h < classes.length; h++) {
      classes[h] = partitioning.classes(h);
    }
    return new CellStatistics(classes);
  }

  /** Quantizes a coordinate in degrees to the 1e-7 degree units used for the sums. */
  public static long toE7(double degrees) {
    return Math.round(degrees * DEGREE_UNITS);
  }

  /** Adds one image, given its class per hierarchy (−1 = none) and its location in 1e-7 degrees. */
  public void add(int[] labels, long latE7, long lonE7) {
    double lat = Math.toRadians(latE7 / DEGREE_UNITS);
    double lon = Math.toRadians(lonE7 / DEGREE_UNITS);
    double cosLat = Math.cos(lat);
    long x = Math.round(cosLat * Math.cos(lon) * VECTOR_UNITS);
    long y = Math.round(cosLat * Math.sin(lon) * VECTOR_UNITS);
    long z = Math.round(Math.sin(lat) * VECTOR_UNITS);
    for (int h = 0; h < labels.length; h++) {
      int k = labels[h];
      if (k < 0) {
        continue;
      }
      count[h][k]++;
      sumLatE7[h][k] += latE7;
      sumLonE7[h][k] += lonE7;
      sumX[h][k] += x;
      sumY[h][k] += y;
      sumZ[h][k] += z;
    }
  }

  /** Adds {@code other} into this and returns this. */
  public CellStatistics merge(CellStatistics other) {
    if (other.count.length != count.length) {
      throw new IllegalArgumentException(
          "Cannot merge statistics of " + other.count.length + " hierarchies into " + count.length);
    }
    for (int h = 0; h < count.length; h++) {
      if (other.count[h].length != count[h].length) {
        throw new IllegalArgumentException(
            "Cannot merge statistics: hierarchy " + (h + 1) + " has " + other.count[h].length
                + " classes, expected " + count[h].length);
      }
      for (int k = 0; k < count[h].length; k++) {
        count[h][k] += other.count[h][k];
        sumLatE7[h][k] += other.sumLatE7[h][k];
        sumLonE7[h][k] += other.sumLonE7[h][k];
        sumX[h][k] += other.sumX[h][k];
        sumY[h][k] += other.sumY[h][k];
        sumZ[h][k] += other.sumZ[h][k];
      }
    }
    return this;
  }

  public int hierarchies() {
    return count.length;
  }

  public long count(int hierarchy, int classLabel) {
    return count[hierarchy][classLabel];
  }

  /** Plain arithmetic mean latitude (compatibility with GeoEstimation's tables). */
  public double latMean(int hierarchy, int classLabel) {
    return sumLatE7[hierarchy][classLabel] / (double) count[hierarchy][classLabel] / DEGREE_UNITS;
  }

  /** Plain arithmetic mean longitude; wrong for cells across the antimeridian, kept for compatibility. */
  public double lonMean(int hierarchy, int classLabel) {
    return sumLonE7[hierarchy][classLabel] / (double) count[hierarchy][classLabel] / DEGREE_UNITS;
  }

  /** Spherical mean: direction of the summed unit vectors; correct across the antimeridian. */
  public org.geodecoder.geo.GeoPoint sphericalMean(int hierarchy, int classLabel) {
    return org.geodecoder.geo.GeoPoint.fromVector(
        sumX[hierarchy][classLabel], sumY[hierarchy][classLabel], sumZ[hierarchy][classLabel]);
  }
}
