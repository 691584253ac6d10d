package org.geodecoder.eval.sampling;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.geo.City;
import org.geodecoder.geo.Country;
import org.geodecoder.geo.GeoPoint;
import org.geodecoder.geo.WeightedChoice;
import org.geodecoder.geo.WorldData;

/**
 * Draws locations the way the GWS15k benchmark was built (Clark et al., CVPR 2023): a country
 * with probability proportional to its area, then a uniformly random city of that country, then
 * a point uniformly distributed over the spherical cap of radius {@code radiusKm} (default 5 km)
 * around the city centre.
 *
 * <p>Countries without a city in the table, or without a positive area, cannot be drawn; the
 * probabilities of the others are renormalised. Within the cap, the distance r from the centre
 * has density ∝ sin(r/R) (the circumference of the circle at distance r), sampled exactly by
 * inverting its CDF, {@code r = 2R·asin(√u · sin(r_max / 2R))}; the bearing is uniform; the point
 * is reached with the great-circle destination formula. Uniform in degrees would be wrong.
 *
 * <p>Deterministic: location {@code i} depends only on (seed, i), so any range of indices can be
 * drawn independently (e.g. by Spark partitions) with identical results. Immutable.
 */
public final class Gws15kSampler {
  /** The paper's radius around the city centre, in km. */
  public static final double DEFAULT_RADIUS_KM = 5;

  private final List<Country> countries;
  private final double[] cumulativeArea;
  private final List<List<City>> citiesByCountry;
  private final double radiusKm;
  private final long seed;

  private Gws15kSampler(
      List<Country> countries,
      double[] cumulativeArea,
      List<List<City>> citiesByCountry,
      double radiusKm,
      long seed) {
    this.countries = countries;
    this.cumulativeArea = cumulativeArea;
    this.citiesByCountry = citiesByCountry;
    this.radiusKm = radiusKm;
    this.seed = seed;
  }

  /** A sampler over the bundled countries and world cities with the 5 km radius. */
  public static Gws15kSampler worldCities(long seed) {
    return of(WorldData.countries(), WorldData.cities(), DEFAULT_RADIUS_KM, seed);
  }

  /**
   * A sampler over the given tables; cities are matched to countries by ISO alpha-2 code.
   *
   * @throws IllegalArgumentException when {@code radiusKm} is not positive and finite, or no
   *     country has both a positive area and a city
   */
  public static Gws15kSampler of(
      List<Country> countries, List<City> cities, double radiusKm, long seed) {
    if (!(radiusKm > 0) || Double.isInfinite(radiusKm)) {
      throw new IllegalArgumentException("radiusKm must be positive and finite, got " + radiusKm);
    }
    Map<String, List<City>> byIso2 = new HashMap<>();
    for (City c : cities) {
      byIso2.computeIfAbsent(c.iso2(), k -> new ArrayList<>()).add(c);
    }
    List<Country> drawable = new ArrayList<>();
    List<List<City>> drawableCities = new ArrayList<>();
    List<Double> areas = new ArrayList<>();
    for (Country country : countries) {
      List<City> own = byIso2.get(country.iso2());
      if (own != null && country.areaKm2() > 0) {
        drawable.add(country);
        drawableCities.add(List.copyOf(own));
        areas.add(country.areaKm2());
      }
    }
    if (drawable.isEmpty()) {
      throw new IllegalArgumentException("No country has both a positive area and a city");
    }
    double[] cumulative = new double[areas.size()];
    double total = 0;
    for (int i = 0; i < cumulative.length; i++) {
      total += areas.get(i);
      cumulative[i] = total;
    }
    return new Gws15kSampler(
        List.copyOf(drawable), cumulative, List.copyOf(drawableCities), radiusKm, seed);
  }

  /** The countries that can be drawn, in table order. */
  public List<Country> drawableCountries() {
    return countries;
  }

  /** Probability of drawing the {@code i}-th of {@link #drawableCountries()}. */
  public double countryProbability(int i) {
    double total = cumulativeArea[cumulativeArea.length - 1];
    return (cumulativeArea[i] - (i == 0 ? 0 : cumulativeArea[i - 1])) / total;
  }

  public double radiusKm() {
    return radiusKm;
  }

  /** Location number {@code index}. */
  public SampledLocation draw(long index) {
    SplittableRandom random = new SplittableRandom(mix(seed, index));
    double total = cumulativeArea[cumulativeArea.length - 1];
    int countryIndex = WeightedChoice.index(cumulativeArea, random.nextDouble() * total);
    List<City> cities = citiesByCountry.get(countryIndex);
    City city = cities.get(random.nextInt(cities.size()));
    double halfAngle = radiusKm / (2 * GreatCircle.EARTH_RADIUS_KM);
    double distanceKm =
        2 * GreatCircle.EARTH_RADIUS_KM
            * Math.asin(Math.sqrt(random.nextDouble()) * Math.sin(halfAngle));
    double bearing = 2 * Math.PI * random.nextDouble();
    GeoPoint p = GreatCircle.destination(city.latDegrees(), city.lonDegrees(), bearing, distanceKm);
    return new SampledLocation(
        p.latDegrees(), p.lonDegrees(), countries.get(countryIndex), city, distanceKm);
  }

  /** Locations {@code 0 .. n-1}. */
  public List<SampledLocation> sample(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0, got " + n);
    }
    List<SampledLocation> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(draw(i));
    }
    return out;
  }

  /** A well-mixed per-index seed (SplitMix64 finalizer), so neighbouring indices are unrelated. */
  private static long mix(long seed, long index) {
    long z = seed + (index + 1) * 0x9E3779B97F4A7C15L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
