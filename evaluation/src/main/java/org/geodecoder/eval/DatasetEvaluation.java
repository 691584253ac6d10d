package org.geodecoder.eval;

import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The evaluation of one dataset: overall error statistics, the same per scene label (Places365
 * S3 and S16, where rows carry them), per-hierarchy cell accuracy (where rows carry classes) and
 * a uniform sample of predictions for the error map. Immutable.
 */
public final class DatasetEvaluation {
  private final String name;
  private final ErrorStats overall;
  private final SortedMap<Integer, ErrorStats> byScene3;
  private final SortedMap<Integer, ErrorStats> byScene16;
  private final List<HierarchyAccuracy> hierarchies;
  private final ErrorSample mapSample;

  DatasetEvaluation(
      String name,
      ErrorStats overall,
      SortedMap<Integer, ErrorStats> byScene3,
      SortedMap<Integer, ErrorStats> byScene16,
      List<HierarchyAccuracy> hierarchies,
      ErrorSample mapSample) {
    this.name = name;
    this.overall = overall;
    this.byScene3 = Collections.unmodifiableSortedMap(new TreeMap<>(byScene3));
    this.byScene16 = Collections.unmodifiableSortedMap(new TreeMap<>(byScene16));
    this.hierarchies = List.copyOf(hierarchies);
    this.mapSample = mapSample;
  }

  public String name() {
    return name;
  }

  public ErrorStats overall() {
    return overall;
  }

  /** Error statistics per S3 scene label (empty when no row carried one). */
  public SortedMap<Integer, ErrorStats> byScene3() {
    return byScene3;
  }

  /** Error statistics per S16 scene label (empty when no row carried one). */
  public SortedMap<Integer, ErrorStats> byScene16() {
    return byScene16;
  }

  /** Cell accuracy per hierarchy, coarsest first (empty when no row carried classes). */
  public List<HierarchyAccuracy> hierarchies() {
    return hierarchies;
  }

  public ErrorSample mapSample() {
    return mapSample;
  }
}
