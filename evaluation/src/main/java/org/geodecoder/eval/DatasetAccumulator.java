package org.geodecoder.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/** Per-dataset state of an {@link EvaluationAccumulator}: all distances, exactly. */
final class DatasetAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;
  static final short NO_SCENE = -1;

  private final DoubleArrayList distancesKm = new DoubleArrayList(1024);
  // Parallel to distancesKm; NO_SCENE where the row has no label.
  private final ShortArrayList scene3 = new ShortArrayList(1024);
  private final ShortArrayList scene16 = new ShortArrayList(1024);
  private long[] hierarchyLabelled = new long[0];
  private long[] hierarchyCorrect = new long[0];
  private final BottomKSampler mapSample;

  DatasetAccumulator(int mapSampleSize) {
    mapSample = new BottomKSampler(mapSampleSize);
  }

  void add(double distanceKm, short sceneLabel3, short sceneLabel16, long sampleKey,
      double trueLat, double trueLon) {
    distancesKm.add(distanceKm);
    scene3.add(sceneLabel3);
    scene16.add(sceneLabel16);
    mapSample.offer(sampleKey, trueLat, trueLon, distanceKm);
  }

  void addClasses(int[] predictedClasses, int[] trueClasses) {
    ensureHierarchies(trueClasses.length);
    for (int h = 0; h < trueClasses.length; h++) {
      if (trueClasses[h] >= 0) {
        hierarchyLabelled[h]++;
        if (predictedClasses[h] == trueClasses[h]) {
          hierarchyCorrect[h]++;
        }
      }
    }
  }

  void merge(DatasetAccumulator other) {
    distancesKm.addAll(other.distancesKm);
    scene3.addAll(other.scene3);
    scene16.addAll(other.scene16);
    ensureHierarchies(other.hierarchyLabelled.length);
    for (int h = 0; h < other.hierarchyLabelled.length; h++) {
      hierarchyLabelled[h] += other.hierarchyLabelled[h];
      hierarchyCorrect[h] += other.hierarchyCorrect[h];
    }
    mapSample.merge(other.mapSample);
  }

  long count() {
    return distancesKm.size();
  }

  DatasetEvaluation result(String name, DistanceThresholds thresholds) {
    double[] sorted = distancesKm.toArray();
    Arrays.sort(sorted);
    ErrorStats overall = ErrorStats.fromSorted(sorted, sorted.length, thresholds);
    return new DatasetEvaluation(
        name,
        overall,
        bySceneLabel(scene3, thresholds),
        bySceneLabel(scene16, thresholds),
        hierarchyAccuracies(),
        mapSample.toSample());
  }

  /** Stats per label: one counting pass, then each label's distances gathered and sorted. */
  private SortedMap<Integer, ErrorStats> bySceneLabel(
      ShortArrayList labels, DistanceThresholds thresholds) {
    int n = labels.size();
    int[] countByLabel = new int[Short.MAX_VALUE + 1];
    int maxLabel = -1;
    for (int i = 0; i < n; i++) {
      short label = labels.get(i);
      if (label >= 0) {
        countByLabel[label]++;
        maxLabel = Math.max(maxLabel, label);
      }
    }
    SortedMap<Integer, ErrorStats> result = new TreeMap<>();
    if (maxLabel < 0) {
      return result;
    }
    double[][] gathered = new double[maxLabel + 1][];
    int[] filled = new int[maxLabel + 1];
    for (int label = 0; label <= maxLabel; label++) {
      gathered[label] = new double[countByLabel[label]];
    }
    for (int i = 0; i < n; i++) {
      short label = labels.get(i);
      if (label >= 0) {
        gathered[label][filled[label]++] = distancesKm.get(i);
      }
    }
    for (int label = 0; label <= maxLabel; label++) {
      if (gathered[label].length > 0) {
        Arrays.sort(gathered[label]);
        result.put(label, ErrorStats.fromSorted(gathered[label], gathered[label].length, thresholds));
      }
    }
    return result;
  }

  private List<HierarchyAccuracy> hierarchyAccuracies() {
    List<HierarchyAccuracy> list = new ArrayList<>();
    for (int h = 0; h < hierarchyLabelled.length; h++) {
      list.add(new HierarchyAccuracy(h + 1, hierarchyLabelled[h], hierarchyCorrect[h]));
    }
    return list;
  }

  private void ensureHierarchies(int count) {
    if (count > hierarchyLabelled.length) {
      hierarchyLabelled = Arrays.copyOf(hierarchyLabelled, count);
      hierarchyCorrect = Arrays.copyOf(hierarchyCorrect, count);
    }
  }
}
