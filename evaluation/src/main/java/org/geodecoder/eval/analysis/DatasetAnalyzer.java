package org.geodecoder.eval.analysis;

import java.util.Iterator;

/**
 * Assigns images to their nearest city within a radius and summarises the result. Holds a
 * {@link NearestCityIndex}, so it is not serializable: on Spark, build one per executor with
 * {@link #worldCities(double)} (the index is built once per JVM) and ship only the
 * {@link DatasetAnalysisAccumulator}s. Immutable and thread-safe.
 */
public final class DatasetAnalyzer {
  /** The default assignment radius, in km. */
  public static final double DEFAULT_RADIUS_KM = 25;

  private final NearestCityIndex index;
  private final double radiusKm;

  private DatasetAnalyzer(NearestCityIndex index, double radiusKm) {
    this.index = index;
    this.radiusKm = radiusKm;
  }

  /**
   * An analyzer over the bundled world cities.
   *
   * @throws IllegalArgumentException when {@code radiusKm} is not positive and finite
   */
  public static DatasetAnalyzer worldCities(double radiusKm) {
    return of(NearestCityIndex.worldCities(), radiusKm);
  }

  /**
   * @throws IllegalArgumentException when {@code radiusKm} is not positive and finite
   */
  public static DatasetAnalyzer of(NearestCityIndex index, double radiusKm) {
    if (index == null) {
      throw new IllegalArgumentException("index must be set");
    }
    if (!(radiusKm > 0) || Double.isInfinite(radiusKm)) {
      throw new IllegalArgumentException("radiusKm must be positive and finite, got " + radiusKm);
    }
    return new DatasetAnalyzer(index, radiusKm);
  }

  public double radiusKm() {
    return radiusKm;
  }

  public NearestCityIndex index() {
    return index;
  }

  /** The city an image at this location is assigned to, or -1 when none is within the radius. */
  public int assign(double latDegrees, double lonDegrees) {
    return index.nearestWithin(latDegrees, lonDegrees, radiusKm);
  }

  /** An empty accumulator for one dataset. */
  public DatasetAnalysisAccumulator newAccumulator(String dataset) {
    if (dataset == null) {
      throw new IllegalArgumentException("dataset must be set");
    }
    return new DatasetAnalysisAccumulator(dataset, radiusKm, index.size());
  }

  /** Assigns one image and counts it. */
  public void add(DatasetAnalysisAccumulator accumulator, double latDegrees, double lonDegrees) {
    accumulator.add(latDegrees, lonDegrees, assign(latDegrees, lonDegrees));
  }

  /** The analysis of a (merged) accumulator. */
  public DatasetAnalysis result(DatasetAnalysisAccumulator accumulator) {
    return DatasetAnalysis.of(accumulator, index.cities());
  }

  /**
   * Analyses a whole dataset given as coordinate columns.
   *
   * @throws IllegalArgumentException when the arrays differ in length or a point is invalid
   */
  public DatasetAnalysis analyze(String dataset, double[] latDegrees, double[] lonDegrees) {
    if (latDegrees.length != lonDegrees.length) {
      throw new IllegalArgumentException(
          "latDegrees and lonDegrees must have equal lengths, got " + latDegrees.length + " and "
              + lonDegrees.length);
    }
    DatasetAnalysisAccumulator accumulator = newAccumulator(dataset);
    for (int i = 0; i < latDegrees.length; i++) {
      add(accumulator, latDegrees[i], lonDegrees[i]);
    }
    return result(accumulator);
  }

  /** Analyses a dataset given as {lat, lon} pairs. */
  public DatasetAnalysis analyze(String dataset, Iterator<double[]> latLonDegrees) {
    DatasetAnalysisAccumulator accumulator = newAccumulator(dataset);
    while (latLonDegrees.hasNext()) {
      double[] p = latLonDegrees.next();
      add(accumulator, p[0], p[1]);
    }
    return result(accumulator);
  }
}
