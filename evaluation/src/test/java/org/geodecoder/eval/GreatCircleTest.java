package org.geodecoder.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.geometry.S2LatLng;
import java.util.SplittableRandom;
import org.geodecoder.geo.GeoPoint;
import org.junit.jupiter.api.Test;

class GreatCircleTest {
  private static final double R = GreatCircle.EARTH_RADIUS_KM;

  /** Independent reference: the angle between unit vectors, atan2(|a × b|, a · b). */
  private static double vectorDistanceKm(double lat1, double lon1, double lat2, double lon2) {
    double[] a = GeoPoint.fromDegrees(lat1, lon1).toUnitVector();
    double[] b = GeoPoint.fromDegrees(lat2, lon2).toUnitVector();
    double cx = a[1] * b[2] - a[2] * b[1];
    double cy = a[2] * b[0] - a[0] * b[2];
    double cz = a[0] * b[1] - a[1] * b[0];
    double dot = a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
    return R * Math.atan2(Math.sqrt(cx * cx + cy * cy + cz * cz), dot);
  }

  @Test
  void parisLondonMatchesS2AndTheSphericalLawOfCosines() {
    double paris = 48.8566;
    double parisLon = 2.3522;
    double london = 51.5074;
    double londonLon = -0.1278;
    double s2 = S2LatLng.fromDegrees(paris, parisLon)
        .getDistance(S2LatLng.fromDegrees(london, londonLon)).radians() * R;
    double p1 = Math.toRadians(paris);
    double p2 = Math.toRadians(london);
    double lawOfCosines = R * Math.acos(Math.sin(p1) * Math.sin(p2)
        + Math.cos(p1) * Math.cos(p2) * Math.cos(Math.toRadians(londonLon - parisLon)));

    double d = GreatCircle.distanceKm(paris, parisLon, london, londonLon);

    assertEquals(s2, d, 1e-9);
    assertEquals(lawOfCosines, d, 1e-6); // acos loses ~1e-8 relative for short distances
    assertEquals(343.56, d, 0.01);
    assertEquals(d, GreatCircle.distanceKm(london, londonLon, paris, parisLon), 0.0);
  }

  @Test
  void exactGeometricCases() {
    assertEquals(0.0, GreatCircle.distanceKm(12.3, 45.6, 12.3, 45.6), 0.0);
    assertEquals(Math.PI * R, GreatCircle.distanceKm(10, 20, -10, -160), 1e-9);
    assertEquals(Math.PI * R, GreatCircle.distanceKm(90, 0, -90, 0), 1e-9);
    assertEquals(Math.PI * R, GreatCircle.distanceKm(0, -180, 0, 0), 1e-9);
    assertEquals(Math.PI * R / 2, GreatCircle.distanceKm(0, 0, 90, 123), 1e-9);
    // Across the antimeridian: 1 degree of the equator, not 359.
    assertEquals(Math.PI * R / 180, GreatCircle.distanceKm(0, 179.5, 0, -179.5), 1e-9);
    // The poles are single points whatever the longitude.
    assertEquals(0.0, GreatCircle.distanceKm(90, 10, 90, -170), 1e-9);
    assertEquals(GreatCircle.MAX_DISTANCE_KM, 20015.114, 1e-3);
  }

  @Test
  void matchesTheVectorFormulaEverywhereIncludingNearAntipodes() {
    SplittableRandom random = new SplittableRandom(42);
    double worst = 0;
    for (int i = 0; i < 100_000; i++) {
      double lat1 = Math.toDegrees(Math.asin(2 * random.nextDouble() - 1));
      double lon1 = 360 * random.nextDouble() - 180;
      double lat2;
      double lon2;
      if (i % 2 == 0) { // a near-antipode: within ~1 m of the exact antipode
        lat2 = -lat1 + (random.nextDouble() - 0.5) * 1e-5;
        lon2 = GreatCircle.normalizeLonDegrees(lon1 + 180 + (random.nextDouble() - 0.5) * 1e-5);
        lat2 = Math.max(-90, Math.min(90, lat2));
      } else {
        lat2 = Math.toDegrees(Math.asin(2 * random.nextDouble() - 1));
        lon2 = 360 * random.nextDouble() - 180;
      }
      double error = Math.abs(GreatCircle.distanceKm(lat1, lon1, lat2, lon2)
          - vectorDistanceKm(lat1, lon1, lat2, lon2));
      worst = Math.max(worst, error);
    }
    assertTrue(worst < 1e-8, "worst deviation " + worst + " km");
  }

  @Test
  void destinationTravelsTheRequestedDistance() {
    GeoPoint east = GreatCircle.destination(0, 0, Math.PI / 2, Math.PI * R / 2);
    assertEquals(0, east.latDegrees(), 1e-12);
    assertEquals(90, east.lonDegrees(), 1e-12);
    GeoPoint north = GreatCircle.destination(10, 170, 0, 1000);
    assertEquals(10 + Math.toDegrees(1000 / R), north.latDegrees(), 1e-12);
    assertEquals(170, north.lonDegrees(), 1e-12);
    // Eastwards across the antimeridian the longitude wraps into [-180, 180].
    GeoPoint wrapped = GreatCircle.destination(0, 179.9, Math.PI / 2, 100);
    assertEquals(-180 + (179.9 + Math.toDegrees(100 / R) - 180), wrapped.lonDegrees(), 1e-9);

    SplittableRandom random = new SplittableRandom(7);
    for (int i = 0; i < 10_000; i++) {
      double lat = 170 * random.nextDouble() - 85;
      double lon = 360 * random.nextDouble() - 180;
      double d = 5000 * random.nextDouble();
      GeoPoint p = GreatCircle.destination(lat, lon, 2 * Math.PI * random.nextDouble(), d);
      assertEquals(d, GreatCircle.distanceKm(lat, lon, p.latDegrees(), p.lonDegrees()), 1e-8);
    }
  }

  @Test
  void destinationRejectsBadArguments() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GreatCircle.destination(0, 0, 0, -1));
    assertTrue(e.getMessage().contains("distanceKm"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> GreatCircle.destination(91, 0, 0, 1));
    assertTrue(e.getMessage().contains("latDegrees=91"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> GreatCircle.destination(0, 0, Double.NaN, 1));
    assertTrue(e.getMessage().contains("bearingRadians"), e.getMessage());
  }

  @Test
  void geoScoreDecaysExponentially() {
    assertEquals(5000, GeoScore.of(0), 0.0);
    assertEquals(5000 / Math.E, GeoScore.of(1492.7), 1e-9);
    assertEquals(5000 * Math.exp(-2), GeoScore.of(2985.4), 1e-9);
  }
}
