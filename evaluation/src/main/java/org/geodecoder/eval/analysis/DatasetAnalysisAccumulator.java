package org.geodecoder.eval.analysis;

import java.io.Serializable;
import org.geodecoder.geo.GeoPoint;

/**
 * Mergeable per-partition state of a dataset analysis: images per city (by index into the city
 * table of a {@link NearestCityIndex}), unassigned images and a density grid. Serializable so that
 * Spark can combine partial accumulators; obtain one from {@link DatasetAnalyzer#newAccumulator}.
 */
public final class DatasetAnalysisAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final String dataset;
  private final double radiusKm;
  private final long[] imagesPerCity;
  private long unassigned;
  private final DensityGrid density = new DensityGrid();

  DatasetAnalysisAccumulator(String dataset, double radiusKm, int cityCount) {
    this.dataset = dataset;
    this.radiusKm = radiusKm;
    this.imagesPerCity = new long[cityCount];
  }

  /**
   * Counts one image at the given location, assigned to city {@code cityIndex}, or to no city
   * when it is -1.
   *
   * @throws IllegalArgumentException when the location is invalid or {@code cityIndex} is
   *     outside [-1, city count)
   */
  public void add(double latDegrees, double lonDegrees, int cityIndex) {
    if (!GeoPoint.isValid(latDegrees, lonDegrees)) {
      throw new IllegalArgumentException(
          "Invalid image location in dataset " + dataset + ": latDegrees=" + latDegrees
              + ", lonDegrees=" + lonDegrees);
    }
    if (cityIndex < -1 || cityIndex >= imagesPerCity.length) {
      throw new IllegalArgumentException(
          "cityIndex must be -1 or in [0, " + imagesPerCity.length + "), got " + cityIndex);
    }
    if (cityIndex < 0) {
      unassigned++;
    } else {
      imagesPerCity[cityIndex]++;
    }
    density.add(latDegrees, lonDegrees);
  }

  /**
   * Adds {@code other}'s counts into this accumulator; {@code other} is left unchanged.
   *
   * @throws IllegalArgumentException when the two differ in dataset, radius or city table size
   */
  public DatasetAnalysisAccumulator merge(DatasetAnalysisAccumulator other) {
    if (other == this) {
      throw new IllegalArgumentException("Cannot merge an accumulator into itself");
    }
    if (!dataset.equals(other.dataset)
        || radiusKm != other.radiusKm
        || imagesPerCity.length != other.imagesPerCity.length) {
      throw new IllegalArgumentException(
          "Cannot merge the analysis of " + other.dataset + " (radius " + other.radiusKm
              + " km, " + other.imagesPerCity.length + " cities) into that of " + dataset
              + " (radius " + radiusKm + " km, " + imagesPerCity.length + " cities)");
    }
    for (int i = 0; i < imagesPerCity.length; i++) {
      imagesPerCity[i] += other.imagesPerCity[i];
    }
    unassigned += other.unassigned;
    density.merge(other.density);
    return this;
  }

  public String dataset() {
    return dataset;
  }

  public double radiusKm() {
    return radiusKm;
  }

  long[] imagesPerCity() {
    return imagesPerCity.clone();
  }

  long unassigned() {
    return unassigned;
  }

  DensityGrid density() {
    return density.copy();
  }
}
