package org.geodecoder.geo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PhotoLocationSamplerTest {
  @Test
  void bundledTablesLoad() {
    assertEquals(44_691, WorldData.cities().size());
    assertEquals(250, WorldData.countries().size());
    City tokyo = WorldData.cities().get(0);
    assertEquals("Tokyo", tokyo.name());
    assertEquals("JP", tokyo.iso2());
  }

  @Test
  void deterministicPerIndexAndValid() {
    PhotoLocationSampler a = PhotoLocationSampler.worldCities(7);
    PhotoLocationSampler b = PhotoLocationSampler.worldCities(7);
    for (long i = 0; i < 10_000; i++) {
      double[] p = a.sample(i);
      assertArrayEquals(p, b.sample(i));
      assertTrue(GeoPoint.isValid(p[0], p[1]), () -> "invalid point " + p[0] + "," + p[1]);
    }
  }

  @Test
  void photoSharingBiasTowardsNorthAmericaEuropeEastAsia() {
    PhotoLocationSampler s = PhotoLocationSampler.worldCities(1);
    int n = 50_000;
    int northernHemisphereWest = 0; // Americas north of the equator
    int europe = 0;
    int eastAsia = 0;
    for (long i = 0; i < n; i++) {
      double[] p = s.sample(i);
      if (p[0] > 15 && p[1] < -50) {
        northernHemisphereWest++;
      } else if (p[0] > 35 && p[1] > -12 && p[1] < 40) {
        europe++;
      } else if (p[0] > 20 && p[1] > 100 && p[1] < 146) {
        eastAsia++;
      }
    }
    double share = (northernHemisphereWest + europe + eastAsia) / (double) n;
    assertTrue(share > 0.6, "NA+Europe+East Asia share " + share);
    assertTrue(northernHemisphereWest > 0.1 * n && europe > 0.1 * n && eastAsia > 0.05 * n,
        northernHemisphereWest + " " + europe + " " + eastAsia);
  }

  @Test
  void destinationMovesTheRequestedDistance() {
    // 111.19 km north of the equator is 1 degree of latitude on a 6371.0088 km sphere.
    double[] p = PhotoLocationSampler.destination(0, 0, Math.toRadians(1) * 6371.0088, 0);
    assertEquals(1.0, p[0], 1e-9);
    assertEquals(0.0, p[1], 1e-9);
    double[] q = PhotoLocationSampler.destination(0, 179.5, Math.toRadians(1) * 6371.0088, 90);
    assertEquals(-179.5, q[1], 1e-9, "wraps across the antimeridian");
  }
}
