package org.geodecoder.eval.analysis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.geo.City;
import org.junit.jupiter.api.Test;

class NearestCityIndexTest {
  private static City city(String name, double lat, double lon) {
    return new City(name, lat, lon, "XX", "XXX", 1, "");
  }

  /** Reference: scan all cities; ties go to the lower index. */
  private static int bruteForce(List<City> cities, double lat, double lon, double radiusKm) {
    int best = -1;
    double bestKm = Double.POSITIVE_INFINITY;
    for (int i = 0; i < cities.size(); i++) {
      double d = GreatCircle.distanceKm(lat, lon, cities.get(i).latDegrees(),
          cities.get(i).lonDegrees());
      if (d < bestKm) {
        bestKm = d;
        best = i;
      }
    }
    return bestKm <= radiusKm ? best : -1;
  }

  @Test
  void agreesWithABruteForceScanOfTheWorldCities() {
    NearestCityIndex index = NearestCityIndex.worldCities();
    assertEquals(44_691, index.size());
    List<City> cities = index.cities();
    SplittableRandom random = new SplittableRandom(5);
    int assigned = 0;
    for (int i = 0; i < 600; i++) {
      double lat;
      double lon;
      if (i % 2 == 0) { // near a random city, where assignment is interesting
        City c = cities.get(random.nextInt(cities.size()));
        lat = Math.max(-90, Math.min(90, c.latDegrees() + (random.nextDouble() - 0.5)));
        lon = wrapLon(c.lonDegrees() + (random.nextDouble() - 0.5));
      } else {
        lat = Math.toDegrees(Math.asin(2 * random.nextDouble() - 1));
        lon = 360 * random.nextDouble() - 180;
      }
      double radius = i % 3 == 0 ? 200 : 25;
      int expected = bruteForce(cities, lat, lon, radius);
      assertEquals(expected, index.nearestWithin(lat, lon, radius),
          "point " + lat + ", " + lon + " radius " + radius);
      assigned += expected >= 0 ? 1 : 0;
    }
    assertTrue(assigned > 200, "the test exercises assignments: " + assigned);
  }

  @Test
  void findsParis() {
    NearestCityIndex index = NearestCityIndex.worldCities();
    int i = index.nearestWithin(48.86, 2.35, 25);
    assertEquals("Paris", index.city(i).name());
    assertEquals(-1, index.nearestWithin(0, -140, 25)); // mid Pacific
  }

  @Test
  void searchesAcrossTheAntimeridianAndThePoles() {
    List<City> cities = List.of(
        city("east", 0, 179.99), city("polar", 89.9, 0), city("south", -89.95, 45));
    NearestCityIndex index = NearestCityIndex.of(cities);
    assertEquals(0, index.nearestWithin(0, -179.99, 25)); // 2.2 km across the antimeridian
    assertEquals(1, index.nearestWithin(89.9, 180, 25)); // 22.2 km over the pole
    assertEquals(-1, index.nearestWithin(89.9, 180, 22)); // ... so not within 22 km
    assertEquals(2, index.nearestWithin(-90, 0, 10)); // at the pole itself
    assertEquals(0, index.nearestWithin(0, 179.99, 0)); // radius 0 still finds a coincident city
  }

  @Test
  void radiusIsInclusiveAndTiesGoToTheLowerIndex() {
    double oneDegreeKm = Math.PI * GreatCircle.EARTH_RADIUS_KM / 180;
    List<City> cities = List.of(city("a", 0, 1), city("b", 0, -1));
    NearestCityIndex index = NearestCityIndex.of(cities);
    assertEquals(0, index.nearestWithin(0, 0, oneDegreeKm));
    assertEquals(-1, index.nearestWithin(0, 0, oneDegreeKm * (1 - 1e-9)));
  }

  @Test
  void rejectsBadQueries() {
    NearestCityIndex index = NearestCityIndex.of(List.of(city("a", 0, 0)));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> index.nearestWithin(0, 0, -1));
    assertTrue(e.getMessage().contains("maxDistanceKm"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> index.nearestWithin(100, 0, 1));
    assertTrue(e.getMessage().contains("latDegrees=100"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> NearestCityIndex.of(List.of(city("bad", 95, 0))));
    assertTrue(e.getMessage().contains("cities[0] (bad)"), e.getMessage());
  }

  private static double wrapLon(double lon) {
    return lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
  }
}
