package org.geodecoder.eval.analysis;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.geodecoder.geo.City;

/**
 * The supplement's analysis of one dataset: images assigned to their nearest city within a
 * radius, how unequally they spread over cities (Lorenz curve and Gini coefficient over the
 * cities that received at least one image, so the size of the city table does not matter), the
 * most photographed cities, and a density grid. Immutable.
 */
public final class DatasetAnalysis {
  /** Cities listed by {@link #topCities()}. */
  public static final int TOP_CITIES = 20;
  /** Points kept in {@link #lorenzCurve()}. */
  public static final int LORENZ_POINTS = 1001;

  private final String dataset;
  private final double radiusKm;
  private final long images;
  private final long assignedImages;
  private final int citiesWithImages;
  private final long[] imagesPerCity;
  private final double gini;
  private final LorenzCurve lorenzCurve;
  private final List<CityCount> topCities;
  private final DensityGrid density;

  private DatasetAnalysis(
      String dataset,
      double radiusKm,
      long[] imagesPerCity,
      long unassigned,
      List<City> cities,
      DensityGrid density) {
    this.dataset = dataset;
    this.radiusKm = radiusKm;
    this.imagesPerCity = imagesPerCity;
    long assigned = 0;
    int withImages = 0;
    for (long c : imagesPerCity) {
      assigned += c;
      withImages += c > 0 ? 1 : 0;
    }
    this.assignedImages = assigned;
    this.images = assigned + unassigned;
    this.citiesWithImages = withImages;
    long[] nonZero = new long[withImages];
    List<CityCount> ranked = new ArrayList<>(withImages);
    for (int i = 0, k = 0; i < imagesPerCity.length; i++) {
      if (imagesPerCity[i] > 0) {
        nonZero[k++] = imagesPerCity[i];
        ranked.add(new CityCount(cities.get(i), imagesPerCity[i]));
      }
    }
    // Stable sort: equal counts keep table order (most populous first).
    ranked.sort(Comparator.comparingLong(CityCount::images).reversed());
    this.topCities = List.copyOf(ranked.subList(0, Math.min(TOP_CITIES, ranked.size())));
    if (withImages > 0) {
      LorenzCurve full = LorenzCurve.of(nonZero);
      this.lorenzCurve = full.downsampled(LORENZ_POINTS);
      this.gini = full.gini();
    } else {
      this.lorenzCurve = null;
      this.gini = Double.NaN;
    }
    this.density = density;
  }

  /**
   * The analysis of an accumulator's counts.
   *
   * @param cities the city table the accumulator's indices refer to
   * @throws IllegalArgumentException when the table size differs from the accumulator's
   */
  public static DatasetAnalysis of(DatasetAnalysisAccumulator accumulator, List<City> cities) {
    long[] counts = accumulator.imagesPerCity();
    if (cities.size() != counts.length) {
      throw new IllegalArgumentException(
          "cities has " + cities.size() + " entries but the accumulator counts "
              + counts.length + " cities");
    }
    return new DatasetAnalysis(accumulator.dataset(), accumulator.radiusKm(), counts,
        accumulator.unassigned(), cities, accumulator.density());
  }

  public String dataset() {
    return dataset;
  }

  /** The assignment radius in km. */
  public double radiusKm() {
    return radiusKm;
  }

  public long images() {
    return images;
  }

  /** Images within the radius of some city. */
  public long assignedImages() {
    return assignedImages;
  }

  /** Images farther than the radius from every city. */
  public long unassignedImages() {
    return images - assignedImages;
  }

  public int citiesWithImages() {
    return citiesWithImages;
  }

  /** Images per city, indexed like the city table. */
  public long[] imagesPerCity() {
    return imagesPerCity.clone();
  }

  /** Gini coefficient of images per city (cities with at least one image); NaN when none. */
  public double gini() {
    return gini;
  }

  /** The Lorenz curve (at most {@link #LORENZ_POINTS} points); null when no image was assigned. */
  public LorenzCurve lorenzCurve() {
    return lorenzCurve;
  }

  /** The {@link #TOP_CITIES} cities with most images, most first. */
  public List<CityCount> topCities() {
    return topCities;
  }

  /** Where the images are: a copy of the 1° density grid. */
  public DensityGrid density() {
    return density.copy();
  }
}
