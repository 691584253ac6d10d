package org.geodecoder.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.geodecoder.geo.GeoPoint;

/**
 * Accumulates predictions of one or more datasets and computes their metrics exactly.
 *
 * <p>Designed for per-partition use: create one per partition (or thread), {@code add} rows,
 * {@link #merge} the partial accumulators (it is {@link Serializable}, so Spark's
 * {@code treeAggregate}/{@code reduce} can ship it), then call {@link #result()} once on the
 * driver. Every distance is kept in a primitive array (8 bytes per prediction plus 4 for scene
 * labels) so the median and percentiles are exact; {@code result} sorts once per dataset (and once
 * per scene label). Not thread-safe; {@code result} leaves the accumulator unchanged and usable.
 */
public final class EvaluationAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Predictions kept per dataset for the error map, by default. */
  public static final int DEFAULT_MAP_SAMPLE_SIZE = 20_000;

  private final int mapSampleSize;
  private final Map<String, DatasetAccumulator> datasets = new HashMap<>();
  // Rows usually arrive grouped by dataset: skip the map lookup for a run of equal names.
  private transient String lastDataset;
  private transient DatasetAccumulator last;

  private EvaluationAccumulator(int mapSampleSize) {
    this.mapSampleSize = mapSampleSize;
  }

  /** An empty accumulator keeping {@link #DEFAULT_MAP_SAMPLE_SIZE} predictions for the map. */
  public static EvaluationAccumulator create() {
    return new EvaluationAccumulator(DEFAULT_MAP_SAMPLE_SIZE);
  }

  /**
   * @param mapSampleSize predictions kept per dataset (uniformly at random) for the error map
   * @throws IllegalArgumentException when {@code mapSampleSize} is negative
   */
  public static EvaluationAccumulator create(int mapSampleSize) {
    if (mapSampleSize < 0) {
      throw new IllegalArgumentException("mapSampleSize must be >= 0, got " + mapSampleSize);
    }
    return new EvaluationAccumulator(mapSampleSize);
  }

  /**
   * Adds one prediction without scene labels or classes.
   *
   * @return its error, the great-circle distance in km
   * @throws IllegalArgumentException when the dataset is null or a coordinate is invalid
   */
  public double add(
      String dataset, double trueLat, double trueLon, double predictedLat, double predictedLon) {
    return add(dataset, trueLat, trueLon, predictedLat, predictedLon, -1, -1);
  }

  /**
   * Adds one prediction with its scene labels ({@code -1} = unknown).
   *
   * @return its error, the great-circle distance in km
   * @throws IllegalArgumentException when the dataset is null, a coordinate is invalid or a scene
   *     label is outside [-1, 32767]
   */
  public double add(
      String dataset,
      double trueLat,
      double trueLon,
      double predictedLat,
      double predictedLon,
      int scene3,
      int scene16) {
    checkPoint("true", dataset, trueLat, trueLon);
    checkPoint("predicted", dataset, predictedLat, predictedLon);
    short s3 = sceneLabel("scene3", scene3);
    short s16 = sceneLabel("scene16", scene16);
    // Validated first: a rejected row must not leave an empty dataset behind.
    DatasetAccumulator target = datasetFor(dataset);
    double distance = GreatCircle.distanceKm(trueLat, trueLon, predictedLat, predictedLon);
    target.add(distance, s3, s16, BottomKSampler.key(trueLat, trueLon, predictedLat, predictedLon),
        trueLat, trueLon);
    return distance;
  }

  /**
   * Adds one prediction with scene labels and per-hierarchy classes (hierarchy 1 first). A
   * hierarchy counts towards cell accuracy only where the true class is {@code >= 0}.
   *
   * @return its error, the great-circle distance in km
   * @throws IllegalArgumentException as {@link #add(String, double, double, double, double, int,
   *     int)}, or when exactly one class array is null or their lengths differ
   */
  public double add(
      String dataset,
      double trueLat,
      double trueLon,
      double predictedLat,
      double predictedLon,
      int scene3,
      int scene16,
      int[] predictedClasses,
      int[] trueClasses) {
    if ((predictedClasses == null) != (trueClasses == null)) {
      throw new IllegalArgumentException(
          "predictedClasses and trueClasses must both be set or both be null (dataset "
              + dataset + ")");
    }
    if (predictedClasses != null && predictedClasses.length != trueClasses.length) {
      throw new IllegalArgumentException(
          "predictedClasses and trueClasses must have one entry per hierarchy, got "
              + predictedClasses.length + " and " + trueClasses.length + " (dataset " + dataset
              + ")");
    }
    double distance =
        add(dataset, trueLat, trueLon, predictedLat, predictedLon, scene3, scene16);
    if (predictedClasses != null && predictedClasses.length > 0) {
      last.addClasses(predictedClasses, trueClasses);
    }
    return distance;
  }

  /** Adds one row; see {@link #add(String, double, double, double, double, int, int, int[], int[])}. */
  public double add(PredictionRow row) {
    return add(row.dataset(), row.trueLatDegrees(), row.trueLonDegrees(),
        row.predictedLatDegrees(), row.predictedLonDegrees(), row.scene3(), row.scene16(),
        row.predictedClasses(), row.trueClasses());
  }

  /** Adds every row of an iterator (e.g. a Spark partition mapped to {@link PredictionRow}s). */
  public EvaluationAccumulator addAll(Iterator<PredictionRow> rows) {
    while (rows.hasNext()) {
      add(rows.next());
    }
    return this;
  }

  /**
   * Adds a column batch of one dataset without scene labels or classes: the fast path.
   *
   * @throws IllegalArgumentException when the arrays differ in length or a coordinate is invalid
   */
  public EvaluationAccumulator addAll(
      String dataset,
      double[] trueLat,
      double[] trueLon,
      double[] predictedLat,
      double[] predictedLon) {
    int n = trueLat.length;
    if (trueLon.length != n || predictedLat.length != n || predictedLon.length != n) {
      throw new IllegalArgumentException(
          "trueLat, trueLon, predictedLat and predictedLon must have equal lengths, got " + n
              + ", " + trueLon.length + ", " + predictedLat.length + ", " + predictedLon.length);
    }
    for (int i = 0; i < n; i++) {
      add(dataset, trueLat[i], trueLon[i], predictedLat[i], predictedLon[i], -1, -1);
    }
    return this;
  }

  /**
   * Adds everything {@code other} has accumulated into this accumulator; {@code other} is left
   * unchanged.
   *
   * @return this accumulator
   * @throws IllegalArgumentException when {@code other} is this accumulator
   */
  public EvaluationAccumulator merge(EvaluationAccumulator other) {
    if (other == this) {
      throw new IllegalArgumentException("Cannot merge an accumulator into itself");
    }
    for (Map.Entry<String, DatasetAccumulator> e : other.datasets.entrySet()) {
      datasets
          .computeIfAbsent(e.getKey(), k -> new DatasetAccumulator(mapSampleSize))
          .merge(e.getValue());
    }
    return this;
  }

  /** Predictions added so far, over all datasets. */
  public long count() {
    long count = 0;
    for (DatasetAccumulator d : datasets.values()) {
      count += d.count();
    }
    return count;
  }

  /** Metrics at the paper's thresholds (1, 25, 200, 750, 2500 km). */
  public EvaluationResult result() {
    return result(DistanceThresholds.PAPER);
  }

  /** Metrics at the given thresholds. */
  public EvaluationResult result(DistanceThresholds thresholds) {
    if (thresholds == null) {
      throw new IllegalArgumentException("thresholds must be set");
    }
    List<DatasetEvaluation> evaluations = new ArrayList<>();
    for (Map.Entry<String, DatasetAccumulator> e : datasets.entrySet()) {
      evaluations.add(e.getValue().result(e.getKey(), thresholds));
    }
    return new EvaluationResult(thresholds, evaluations);
  }

  private DatasetAccumulator datasetFor(String dataset) {
    if (dataset != lastDataset || last == null) {
      if (dataset == null) {
        throw new IllegalArgumentException("dataset must be set");
      }
      last = datasets.computeIfAbsent(dataset, k -> new DatasetAccumulator(mapSampleSize));
      lastDataset = dataset;
    }
    return last;
  }

  private static void checkPoint(String which, String dataset, double lat, double lon) {
    if (!GeoPoint.isValid(lat, lon)) {
      throw new IllegalArgumentException(
          "Invalid " + which + " location in dataset " + dataset + ": " + which + "Lat=" + lat
              + ", " + which + "Lon=" + lon
              + " (latitude must be in [-90, 90], longitude in [-180, 180])");
    }
  }

  private static short sceneLabel(String name, int label) {
    if (label < -1 || label > Short.MAX_VALUE) {
      throw new IllegalArgumentException(
          name + " must be -1 (unknown) or a label in [0, " + Short.MAX_VALUE + "], got " + label);
    }
    return (short) label;
  }
}
