package org.geodecoder.eval.analysis;

import java.util.List;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.geo.City;
import org.geodecoder.geo.GeoPoint;
import org.geodecoder.geo.WorldData;

/**
 * Finds the nearest city within a radius using a uniform latitude/longitude grid of 0.5° buckets
 * (compressed-row layout: one offsets array, one array of city indices), so a 25 km query
 * inspects about six buckets instead of all 44,691 cities. The query visits every bucket that
 * can hold a city within the radius, exactly: a cap of angular radius α around latitude φ spans
 * latitudes φ ± α and longitudes λ ± asin(sin α / cos φ), and every longitude when it holds a
 * pole. Candidates are compared by squared chord length, which orders like the great-circle
 * distance and keeps full precision for close points. Immutable and thread-safe.
 */
public final class NearestCityIndex {
  private static final double CELL_DEGREES = 0.5;
  private static final int ROWS = (int) (180 / CELL_DEGREES);
  private static final int COLS = (int) (360 / CELL_DEGREES);

  private static volatile NearestCityIndex worldCities;

  private final List<City> cities;
  private final double[] x;
  private final double[] y;
  private final double[] z;
  private final int[] bucketStart;
  private final int[] bucketCities;

  private NearestCityIndex(List<City> cities) {
    this.cities = List.copyOf(cities);
    int n = cities.size();
    x = new double[n];
    y = new double[n];
    z = new double[n];
    int[] bucketOf = new int[n];
    bucketStart = new int[ROWS * COLS + 1];
    for (int i = 0; i < n; i++) {
      City c = cities.get(i);
      if (!GeoPoint.isValid(c.latDegrees(), c.lonDegrees())) {
        throw new IllegalArgumentException(
            "cities[" + i + "] (" + c.name() + ") has invalid coordinates " + c.latDegrees()
                + ", " + c.lonDegrees());
      }
      double[] v = c.location().toUnitVector();
      x[i] = v[0];
      y[i] = v[1];
      z[i] = v[2];
      bucketOf[i] = row(c.latDegrees()) * COLS + col(c.lonDegrees());
      bucketStart[bucketOf[i] + 1]++;
    }
    for (int b = 0; b < ROWS * COLS; b++) {
      bucketStart[b + 1] += bucketStart[b];
    }
    bucketCities = new int[n];
    int[] fill = new int[ROWS * COLS];
    for (int i = 0; i < n; i++) { // ascending i: ties resolve to the lower (more populous) index
      bucketCities[bucketStart[bucketOf[i]] + fill[bucketOf[i]]++] = i;
    }
  }

  /**
   * @throws IllegalArgumentException when {@code cities} is null or a city has invalid coordinates
   */
  public static NearestCityIndex of(List<City> cities) {
    if (cities == null) {
      throw new IllegalArgumentException("cities must be set");
    }
    return new NearestCityIndex(cities);
  }

  /** The index over the bundled SimpleMaps world cities, built once per JVM. */
  public static NearestCityIndex worldCities() {
    if (worldCities == null) {
      synchronized (NearestCityIndex.class) {
        if (worldCities == null) {
          worldCities = new NearestCityIndex(WorldData.cities());
        }
      }
    }
    return worldCities;
  }

  public int size() {
    return cities.size();
  }

  public City city(int index) {
    return cities.get(index);
  }

  /** The indexed cities, in index order. */
  public List<City> cities() {
    return cities;
  }

  /**
   * Index of the city nearest to the point whose distance is at most {@code maxDistanceKm}, or
   * -1 when there is none; on a tie the lower index wins.
   *
   * @throws IllegalArgumentException when the point is invalid or the radius negative or NaN
   */
  public int nearestWithin(double latDegrees, double lonDegrees, double maxDistanceKm) {
    if (!GeoPoint.isValid(latDegrees, lonDegrees)) {
      throw new IllegalArgumentException(
          "Invalid point latDegrees=" + latDegrees + ", lonDegrees=" + lonDegrees);
    }
    if (!(maxDistanceKm >= 0)) {
      throw new IllegalArgumentException("maxDistanceKm must be >= 0, got " + maxDistanceKm);
    }
    double alpha = Math.min(Math.PI, maxDistanceKm / GreatCircle.EARTH_RADIUS_KM);
    double maxChord = 2 * Math.sin(alpha / 2);
    double maxChordSquared = maxChord * maxChord * (1 + 1e-12); // tolerate rounding at the rim
    double[] p = GeoPoint.fromDegrees(latDegrees, lonDegrees).toUnitVector();

    double alphaDegrees = Math.toDegrees(alpha);
    double minLat = latDegrees - alphaDegrees;
    double maxLat = latDegrees + alphaDegrees;
    int firstRow = row(Math.max(-90, minLat));
    int lastRow = row(Math.min(90, maxLat));
    int firstCol = 0;
    int colSpan = COLS;
    if (minLat > -90 && maxLat < 90) { // the cap holds no pole: its longitude span is bounded
      double sinRatio = Math.sin(alpha) / Math.cos(Math.toRadians(latDegrees));
      if (sinRatio < 1) {
        double halfSpan = Math.toDegrees(Math.asin(sinRatio));
        firstCol = (int) Math.floor((lonDegrees - halfSpan + 180) / CELL_DEGREES);
        int lastCol = (int) Math.floor((lonDegrees + halfSpan + 180) / CELL_DEGREES);
        colSpan = Math.min(COLS, lastCol - firstCol + 1);
      }
    }
    int best = -1;
    double bestSquared = Double.POSITIVE_INFINITY;
    for (int r = firstRow; r <= lastRow; r++) {
      for (int k = 0; k < colSpan; k++) {
        int c = Math.floorMod(firstCol + k, COLS);
        int bucket = r * COLS + c;
        for (int j = bucketStart[bucket]; j < bucketStart[bucket + 1]; j++) {
          int i = bucketCities[j];
          double dx = x[i] - p[0];
          double dy = y[i] - p[1];
          double dz = z[i] - p[2];
          double squared = dx * dx + dy * dy + dz * dz;
          if (squared < bestSquared || (squared == bestSquared && i < best)) {
            bestSquared = squared;
            best = i;
          }
        }
      }
    }
    return best >= 0 && bestSquared <= maxChordSquared ? best : -1;
  }

  private static int row(double latDegrees) {
    return Math.min(ROWS - 1, (int) Math.floor((latDegrees + 90) / CELL_DEGREES));
  }

  private static int col(double lonDegrees) {
    return Math.floorMod((int) Math.floor((lonDegrees + 180) / CELL_DEGREES), COLS);
  }
}
