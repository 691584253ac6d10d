package org.geodecoder.model;

import java.util.Arrays;
import java.util.List;
import org.geodecoder.s2.CellClass;
import org.geodecoder.s2.CellVocabulary;

/**
 * The classes of every hierarchy (coarsest first), the hierarchy tree and each class's location.
 * Immutable.
 *
 * <p>Hierarchies are 0-based here: hierarchy {@code h} has {@code classCount(h)} classes, and for
 * {@code h ≥ 1} every class {@code c} has the parent class {@code parent(h, c)} in hierarchy
 * {@code h − 1}. A class's location ({@code latDegrees}, {@code lonDegrees}) is what inference
 * predicts when that class wins: the spherical mean of its training images.
 */
public final class ClassHierarchy {
  private final int[] classCounts;
  private final int[][] parents;
  private final double[][] latDegrees;
  private final double[][] lonDegrees;

  private ClassHierarchy(
      int[] classCounts, int[][] parents, double[][] latDegrees, double[][] lonDegrees) {
    this.classCounts = classCounts;
    this.parents = parents;
    this.latDegrees = latDegrees;
    this.lonDegrees = lonDegrees;
  }

  /**
   * A hierarchy from plain arrays (copied).
   *
   * @param classCounts classes per hierarchy, coarsest first, each ≥ 1
   * @param parents {@code parents[h]} for {@code h ≥ 1} holds the parent class in {@code h − 1}
   *     of every class of {@code h}; {@code parents[0]} must be null or empty
   * @param latDegrees per hierarchy, the latitude of every class, in [−90, 90]
   * @param lonDegrees per hierarchy, the longitude of every class, in [−180, 180]
   * @throws IllegalArgumentException naming the first inconsistent entry
   */
  public static ClassHierarchy fromArrays(
      int[] classCounts, int[][] parents, double[][] latDegrees, double[][] lonDegrees) {
    int n = classCounts.length;
    if (n == 0) {
      throw new IllegalArgumentException("A class hierarchy needs at least one hierarchy");
    }
    if (parents.length != n || latDegrees.length != n || lonDegrees.length != n) {
      throw new IllegalArgumentException(
          String.format(
              "Expected %d hierarchies everywhere, got parents %d, lat %d, lon %d",
              n, parents.length, latDegrees.length, lonDegrees.length));
    }
    int[][] parentCopy = new int[n][];
    double[][] latCopy = new double[n][];
    double[][] lonCopy = new double[n][];
    for (int h = 0; h < n; h++) {
      int count = classCounts[h];
      if (count < 1) {
        throw new IllegalArgumentException(
            "Hierarchy " + h + " has " + count + " classes, must have at least 1");
      }
      if (h == 0) {
        if (parents[0] != null && parents[0].length != 0) {
          throw new IllegalArgumentException("Hierarchy 0 has no parents; pass null or empty");
        }
        parentCopy[0] = new int[0];
      } else {
        int[] p = parents[h];
        if (p == null || p.length != count) {
          throw new IllegalArgumentException(
              String.format(
                  "Hierarchy %d has %d classes but %s parent entries",
                  h, count, p == null ? "no" : String.valueOf(p.length)));
        }
        for (int c = 0; c < count; c++) {
          if (p[c] < 0 || p[c] >= classCounts[h - 1]) {
            throw new IllegalArgumentException(
                String.format(
                    "Class %d of hierarchy %d has parent %d, must be in [0, %d)",
                    c, h, p[c], classCounts[h - 1]));
          }
        }
        parentCopy[h] = p.clone();
      }
      latCopy[h] = checkCoordinates(latDegrees[h], count, 90, "latitude", h);
      lonCopy[h] = checkCoordinates(lonDegrees[h], count, 180, "longitude", h);
    }
    return new ClassHierarchy(classCounts.clone(), parentCopy, latCopy, lonCopy);
  }

  /** The classes, tree and locations of a partitioner's vocabulary. */
  public static ClassHierarchy fromVocabulary(CellVocabulary vocabulary) {
    int n = vocabulary.hierarchies();
    int[] counts = vocabulary.classCounts();
    int[][] parents = new int[n][];
    double[][] lat = new double[n][];
    double[][] lon = new double[n][];
    for (int h = 0; h < n; h++) {
      List<CellClass> classes = vocabulary.classesOf(h);
      lat[h] = classes.stream().mapToDouble(CellClass::latDegrees).toArray();
      lon[h] = classes.stream().mapToDouble(CellClass::lonDegrees).toArray();
      parents[h] = h == 0 ? null : vocabulary.parents(h);
    }
    return fromArrays(counts, parents, lat, lon);
  }

  private static double[] checkCoordinates(
      double[] values, int count, double limit, String what, int h) {
    if (values == null || values.length != count) {
      throw new IllegalArgumentException(
          String.format(
              "Hierarchy %d has %d classes but %s %s values",
              h, count, values == null ? "no" : String.valueOf(values.length), what));
    }
    for (int c = 0; c < count; c++) {
      if (!(Math.abs(values[c]) <= limit)) {
        throw new IllegalArgumentException(
            String.format(
                "Class %d of hierarchy %d has %s %s, must be in [-%s, %s]",
                c, h, what, values[c], limit, limit));
      }
    }
    return values.clone();
  }

  /** The first {@code k} hierarchies (coarsest first), e.g. for the hierarchy-count ablation. */
  public ClassHierarchy firstHierarchies(int k) {
    if (k < 1 || k > hierarchies()) {
      throw new IllegalArgumentException(
          "Cannot keep " + k + " of " + hierarchies() + " hierarchies");
    }
    int[][] parents = new int[k][];
    double[][] lat = new double[k][];
    double[][] lon = new double[k][];
    for (int h = 0; h < k; h++) {
      parents[h] = h == 0 ? null : parents(h);
      lat[h] = latDegrees(h);
      lon[h] = lonDegrees(h);
    }
    return fromArrays(java.util.Arrays.copyOf(classCounts(), k), parents, lat, lon);
  }

  /** Number of hierarchies (the paper's H = 7). */
  public int hierarchies() {
    return classCounts.length;
  }

  /** Classes of 0-based hierarchy {@code h}. */
  public int classCount(int h) {
    return classCounts[h];
  }

  /** Classes per hierarchy, coarsest first (a copy). */
  public int[] classCounts() {
    return classCounts.clone();
  }

  /** Parent in {@code h − 1} of class {@code c} of hierarchy {@code h ≥ 1}. */
  public int parent(int h, int c) {
    if (h < 1) {
      throw new IllegalArgumentException("Hierarchy 0 has no parents");
    }
    return parents[h][c];
  }

  /** Parents in {@code h − 1} of all classes of {@code h ≥ 1} (a copy). */
  public int[] parents(int h) {
    if (h < 1) {
      throw new IllegalArgumentException("Hierarchy 0 has no parents");
    }
    return parents[h].clone();
  }

  /**
   * The ancestors of class {@code c} of hierarchy {@code h}: element {@code k} is its class in
   * hierarchy {@code k}, for {@code k ≤ h} (so element {@code h} is {@code c} itself).
   */
  public int[] ancestors(int h, int c) {
    int[] path = new int[h + 1];
    path[h] = c;
    for (int k = h; k >= 1; k--) {
      path[k - 1] = parents[k][path[k]];
    }
    return path;
  }

  /** Latitude of class {@code c} of hierarchy {@code h}. */
  public double latDegrees(int h, int c) {
    return latDegrees[h][c];
  }

  /** Longitude of class {@code c} of hierarchy {@code h}. */
  public double lonDegrees(int h, int c) {
    return lonDegrees[h][c];
  }

  /** Latitudes of every class of {@code h} (a copy). */
  public double[] latDegrees(int h) {
    return latDegrees[h].clone();
  }

  /** Longitudes of every class of {@code h} (a copy). */
  public double[] lonDegrees(int h) {
    return lonDegrees[h].clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ClassHierarchy)) {
      return false;
    }
    ClassHierarchy other = (ClassHierarchy) o;
    return Arrays.equals(classCounts, other.classCounts)
        && Arrays.deepEquals(parents, other.parents)
        && Arrays.deepEquals(latDegrees, other.latDegrees)
        && Arrays.deepEquals(lonDegrees, other.lonDegrees);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(classCounts) * 31 + Arrays.deepHashCode(parents);
  }

  @Override
  public String toString() {
    return "ClassHierarchy" + Arrays.toString(classCounts);
  }
}
