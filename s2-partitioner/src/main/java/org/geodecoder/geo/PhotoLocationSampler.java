package org.geodecoder.geo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Generates photo locations that look like a photo-sharing dataset such as MP-16: clustered
 * around real cities (bundled SimpleMaps table), weighted by population and heavily by region
 * (North America, Europe and East Asia dominate Flickr), with dense city centres, suburbs,
 * a rural tail, and "landmark" spots where many photos share exactly one location.
 *
 * <p>Deterministic for a given seed: point {@code i} depends only on (seed, i), so any range of
 * indices can be generated independently (e.g. by Spark partitions) with the same result.
 */
public final class PhotoLocationSampler {
  /** Relative photo density per world-countries subregion (Flickr-like geographic bias). */
  private static final Map<String, Double> SUBREGION_WEIGHT = Map.ofEntries(
      Map.entry("North America", 6.0),
      Map.entry("Northern America", 6.0),
      Map.entry("Western Europe", 6.0),
      Map.entry("Northern Europe", 6.0),
      Map.entry("Southern Europe", 5.0),
      Map.entry("Central Europe", 4.0),
      Map.entry("Eastern Europe", 1.5),
      Map.entry("Southeast Europe", 2.0),
      Map.entry("Eastern Asia", 3.0),
      Map.entry("Australia and New Zealand", 3.0),
      Map.entry("South-Eastern Asia", 1.0),
      Map.entry("South America", 0.8),
      Map.entry("Central America", 0.6),
      Map.entry("Caribbean", 0.8),
      Map.entry("Southern Asia", 0.3),
      Map.entry("Western Asia", 0.5),
      Map.entry("Northern Africa", 0.4));
  private static final double OTHER_WEIGHT = 0.15;
  private static final double EARTH_RADIUS_KM = 6371.0088;

  private final List<City> cities;
  private final double[] cumulative;
  private final long seed;

  private PhotoLocationSampler(List<City> cities, double[] cumulative, long seed) {
    this.cities = cities;
    this.cumulative = cumulative;
    this.seed = seed;
  }

  /** A sampler over the bundled world cities. */
  public static PhotoLocationSampler worldCities(long seed) {
    List<City> cities = WorldData.cities();
    Map<String, String> subregionOf = new HashMap<>();
    for (Country c : WorldData.countries()) {
      subregionOf.put(c.iso2(), c.subregion());
    }
    double[] cumulative = new double[cities.size()];
    double total = 0;
    for (int i = 0; i < cities.size(); i++) {
      City c = cities.get(i);
      double regionWeight = SUBREGION_WEIGHT.getOrDefault(subregionOf.getOrDefault(c.iso2(), ""), OTHER_WEIGHT);
      // Sub-linear in population: big cities get more photos, but not proportionally more.
      double population = Math.max(c.population(), 1000);
      total += regionWeight * Math.pow(population, 0.75);
      cumulative[i] = total;
    }
    return new PhotoLocationSampler(cities, cumulative, seed);
  }

  /** A sampled photo: its location, the city it was drawn around and its distance from it. */
  public record Sample(double latDegrees, double lonDegrees, City city, int cityIndex, double distanceKm) {}

  /** Location of photo {@code index}: {lat, lon} in degrees. */
  public double[] sample(long index) {
    Sample s = draw(index);
    return new double[] {s.latDegrees(), s.lonDegrees()};
  }

  /** Photo {@code index} with its city. */
  public Sample draw(long index) {
    SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index);
    int cityIndex = pickCity(r.nextDouble() * cumulative[cumulative.length - 1]);
    City city = cities.get(cityIndex);
    double u = r.nextDouble();
    double distanceKm;
    double bearing;
    if (u < 0.08) {
      // Landmark: one of 4 exact spots per city, photographed again and again.
      SplittableRandom spot = new SplittableRandom(city.name().hashCode() * 31L + (long) (r.nextDouble() * 4));
      distanceKm = spot.nextDouble() * 3;
      bearing = spot.nextDouble() * 360;
    } else {
      if (u < 0.68) {
        distanceKm = exponential(r, 2.0); // centre
      } else if (u < 0.95) {
        distanceKm = exponential(r, 15.0); // suburbs and surroundings
      } else {
        distanceKm = exponential(r, 150.0); // rural tail
      }
      bearing = r.nextDouble() * 360;
    }
    double[] p = destination(city.latDegrees(), city.lonDegrees(), distanceKm, bearing);
    return new Sample(p[0], p[1], city, cityIndex, distanceKm);
  }

  private int pickCity(double x) {
    return WeightedChoice.index(cumulative, x);
  }


  private static double exponential(SplittableRandom r, double meanKm) {
    return -meanKm * Math.log(1 - r.nextDouble());
  }

  /** Great-circle destination from a start point, distance and initial bearing; lon in [-180, 180]. */
  public static double[] destination(double latDegrees, double lonDegrees, double distanceKm, double bearingDegrees) {
    double d = distanceKm / EARTH_RADIUS_KM;
    double lat1 = Math.toRadians(latDegrees);
    double lon1 = Math.toRadians(lonDegrees);
    double b = Math.toRadians(bearingDegrees);
    double lat2 = Math.asin(Math.sin(lat1) * Math.cos(d) + Math.cos(lat1) * Math.sin(d) * Math.cos(b));
    double lon2 = lon1 + Math.atan2(Math.sin(b) * Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
    double lon = Math.toDegrees(lon2);
    lon = ((lon + 540) % 360) - 180;
    return new double[] {Math.max(-90, Math.min(90, Math.toDegrees(lat2))), lon};
  }
}
