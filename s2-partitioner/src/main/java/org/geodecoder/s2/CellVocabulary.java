package org.geodecoder.s2;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The classes of every hierarchy with their statistics and the hierarchy tree (each class's
 * parent in the next coarser hierarchy). This is what partitioning produces and what training,
 * scoring and evaluation load; they never recompute it. Immutable.
 */
public final class CellVocabulary {
  /** Format version of {@code cells.parquet}/{@code model.json} references to it. */
  public static final int VERSION = 1;

  private final List<List<CellClass>> classes;
  private final long[][] cellIds;

  private CellVocabulary(List<List<CellClass>> classes) {
    this.classes = classes;
    this.cellIds = new long[classes.size()][];
    for (int h = 0; h < classes.size(); h++) {
      List<CellClass> list = classes.get(h);
      cellIds[h] = new long[list.size()];
      for (int k = 0; k < list.size(); k++) {
        cellIds[h][k] = list.get(k).cellId();
      }
    }
  }

  /**
   * Combines a partitioning with the statistics of its images, computes the hierarchy tree and
   * checks that the hierarchies nest.
   *
   * @throws IllegalStateException if a class has a count different from its statistics, or a
   *     class lies in no class of the coarser hierarchy
   */
  public static CellVocabulary build(Partitioning partitioning, CellStatistics stats) {
    if (stats.hierarchies() != partitioning.hierarchies()) {
      throw new IllegalArgumentException(
          "Statistics cover " + stats.hierarchies() + " hierarchies, partitioning " + partitioning.hierarchies());
    }
    LeafLabeler labeler = partitioning.labeler();
    List<List<CellClass>> all = new ArrayList<>();
    for (int h = 0; h < partitioning.hierarchies(); h++) {
      List<CellClass> list = new ArrayList<>(partitioning.classes(h));
      for (int k = 0; k < partitioning.classes(h); k++) {
        long cellId = partitioning.cellId(h, k);
        long count = partitioning.count(h, k);
        if (stats.count(h, k) != count) {
          throw new IllegalStateException(
              "Hierarchy " + (h + 1) + " class " + k + " (cell " + CellIds.toToken(cellId) + ") counts "
                  + count + " images but its statistics hold " + stats.count(h, k));
        }
        int parent = h == 0 ? -1 : parentClass(labeler, partitioning, h, cellId);
        S2LatLng centre = new S2CellId(cellId).toLatLng();
        org.geodecoder.geo.GeoPoint mean = stats.sphericalMean(h, k);
        list.add(
            new CellClass(
                h + 1,
                k,
                CellIds.toToken(cellId),
                CellIds.level(cellId),
                count,
                mean.latDegrees(),
                mean.lonDegrees(),
                stats.latMean(h, k),
                stats.lonMean(h, k),
                centre.latDegrees(),
                centre.lngDegrees(),
                parent));
      }
      all.add(Collections.unmodifiableList(list));
    }
    return new CellVocabulary(Collections.unmodifiableList(all));
  }

  /**
   * Rebuilds a vocabulary from its rows (e.g. read back from {@code cells.parquet}), in any
   * order; validates labels (0..n−1 per hierarchy, S2 order) and parent links.
   */
  public static CellVocabulary fromClasses(List<CellClass> rows) {
    int hierarchies = 0;
    for (CellClass c : rows) {
      hierarchies = Math.max(hierarchies, c.hierarchy());
    }
    List<List<CellClass>> all = new ArrayList<>();
    for (int h = 0; h < hierarchies; h++) {
      all.add(new ArrayList<>());
    }
    for (CellClass c : rows) {
      if (c.hierarchy() < 1) {
        throw new IllegalArgumentException("Invalid hierarchy " + c.hierarchy() + " in " + c);
      }
      all.get(c.hierarchy() - 1).add(c);
    }
    List<List<CellClass>> sorted = new ArrayList<>();
    for (int h = 0; h < hierarchies; h++) {
      List<CellClass> list = new ArrayList<>(all.get(h));
      list.sort((a, b) -> Integer.compare(a.classLabel(), b.classLabel()));
      for (int k = 0; k < list.size(); k++) {
        CellClass c = list.get(k);
        if (c.classLabel() != k) {
          throw new IllegalArgumentException(
              "Hierarchy " + (h + 1) + ": class labels must be 0.." + (list.size() - 1) + ", found " + c.classLabel());
        }
        if (k > 0 && Long.compareUnsigned(list.get(k - 1).cellId(), c.cellId()) >= 0) {
          throw new IllegalArgumentException(
              "Hierarchy " + (h + 1) + ": class " + k + " is not in S2 cell order");
        }
        if ((h == 0) != (c.parentClass() < 0)) {
          throw new IllegalArgumentException(
              "Hierarchy " + (h + 1) + " class " + k + " has parent class " + c.parentClass());
        }
        if (h > 0 && c.parentClass() >= all.get(h - 1).size()) {
          throw new IllegalArgumentException(
              "Hierarchy " + (h + 1) + " class " + k + " names parent " + c.parentClass()
                  + " but hierarchy " + h + " has " + all.get(h - 1).size() + " classes");
        }
      }
      sorted.add(Collections.unmodifiableList(list));
    }
    return new CellVocabulary(Collections.unmodifiableList(sorted));
  }

  private static int parentClass(LeafLabeler labeler, Partitioning p, int h, long cellId) {
    // The coarser class holding this cell's first leaf must also hold its last one.
    int parent = labeler.label(h - 1, CellIds.rangeMin(cellId));
    if (parent < 0 || Long.compareUnsigned(CellIds.rangeMax(cellId), CellIds.rangeMax(p.cellId(h - 1, parent))) > 0) {
      throw new IllegalStateException(
          "Hierarchies do not nest: cell " + CellIds.toToken(cellId) + " of hierarchy " + (h + 1)
              + " lies in no class of hierarchy " + h);
    }
    return parent;
  }

  public int hierarchies() {
    return classes.size();
  }

  public int classes(int hierarchy) {
    return classes.get(hierarchy).size();
  }

  /** Class counts per hierarchy, coarsest first. */
  public int[] classCounts() {
    int[] n = new int[classes.size()];
    for (int h = 0; h < n.length; h++) {
      n[h] = classes.get(h).size();
    }
    return n;
  }

  /** Class {@code classLabel} of 0-based {@code hierarchy}. */
  public CellClass cell(int hierarchy, int classLabel) {
    return classes.get(hierarchy).get(classLabel);
  }

  /** All classes of a 0-based hierarchy, in label order. */
  public List<CellClass> classesOf(int hierarchy) {
    return classes.get(hierarchy);
  }

  /** For 0-based hierarchy h ≥ 1: parent class in h − 1 of every class of h. */
  public int[] parents(int hierarchy) {
    List<CellClass> list = classes.get(hierarchy);
    int[] parents = new int[list.size()];
    for (int k = 0; k < parents.length; k++) {
      parents[k] = list.get(k).parentClass();
    }
    return parents;
  }

  /** A labeler for leaf ids against these classes. */
  public LeafLabeler labeler() {
    return new LeafLabeler(cellIds);
  }

  /**
   * One hierarchy in GeoEstimation's {@code cells_50_5000.csv} layout ({@code
   * class_label,hex_id,imgs_per_cell,latitude_mean,longitude_mean}), plain means, values in
   * Java's shortest round-trip notation so that equal inputs give byte-identical files.
   */
  public String toGeoEstimationCsv(int hierarchy) {
    StringBuilder sb = new StringBuilder("class_label,hex_id,imgs_per_cell,latitude_mean,longitude_mean\n");
    for (CellClass c : classes.get(hierarchy)) {
      sb.append(c.classLabel()).append(',').append(c.cellToken()).append(',').append(c.count()).append(',')
          .append(c.latMeanDegrees()).append(',').append(c.lonMeanDegrees()).append('\n');
    }
    return sb.toString();
  }
}
