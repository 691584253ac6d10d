package org.geodecoder.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ErrorStatsTest {
  private static final double[] DISTANCES = {3000, 0, 1, 25, 0.5, 200, 199, 800, 20000, 1.0000001};

  @Test
  void thresholdCountsIncludeTheBoundary() {
    ErrorStats s = ErrorStats.of(DISTANCES, DistanceThresholds.PAPER);
    assertEquals(10, s.count());
    long[] expected = {3, 5, 7, 7, 8}; // <= 1, 25, 200, 750, 2500 km
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], s.withinCount(i), "threshold " + i);
      assertEquals(expected[i] / 10.0, s.accuracy(i), 0.0);
    }
  }

  @Test
  void medianMeanPercentilesAndScore() {
    ErrorStats s = ErrorStats.of(DISTANCES, DistanceThresholds.PAPER);
    // Sorted: 0, 0.5, 1, 1.0000001, 25, 199, 200, 800, 3000, 20000
    assertEquals((25 + 199) / 2.0, s.medianKm(), 0.0);
    assertEquals(24226.5000001 / 10, s.meanKm(), 1e-9);
    assertEquals(20000, s.maxKm(), 0.0);
    assertArrayEquals(new double[] {10, 25, 50, 75, 90, 95, 99}, ErrorStats.percentileLevels());
    double[] p = s.percentilesKm();
    assertEquals(0.45, p[0], 1e-12); // rank 0.9 between 0 and 0.5
    assertEquals(1.000000025, p[1], 1e-12); // rank 2.25 between 1 and 1.0000001
    assertEquals(112, p[2], 0.0);
    assertEquals(650, p[3], 1e-9); // rank 6.75 between 200 and 800
    assertEquals(3000 + 0.1 * 17000, p[4], 1e-9); // rank 8.1
    double score = 0;
    for (double d : DISTANCES) {
      score += 5000 * Math.exp(-d / 1492.7);
    }
    assertEquals(score / 10, s.meanGeoScore(), 1e-9);
  }

  @Test
  void oddCountMedianIsTheMiddleElement() {
    assertEquals(7, ErrorStats.of(new double[] {9, 1, 7}, DistanceThresholds.PAPER).medianKm(), 0);
    assertEquals(4, ErrorStats.of(new double[] {4}, DistanceThresholds.PAPER).medianKm(), 0);
  }

  @Test
  void curveAndHistogramAgreeWithTheCounts() {
    ErrorStats s = ErrorStats.of(DISTANCES, DistanceThresholds.PAPER);
    AccuracyCurve curve = s.accuracyCurve();
    double[] d = curve.distancesKm();
    double[] a = curve.accuracy();
    for (int t = 0; t < 5; t++) {
      int i = java.util.Arrays.binarySearch(d, DistanceThresholds.PAPER.km(t));
      assertTrue(i >= 0, "curve passes through threshold " + t);
      assertEquals(s.accuracy(t), a[i], 0.0);
    }
    assertEquals(0.1, d[0], 1e-12);
    assertEquals(0.1, a[0], 0.0); // only the exact hit is <= 0.1 km
    assertEquals(GreatCircle.MAX_DISTANCE_KM, d[d.length - 1], 0.0);
    assertEquals(1.0, a[a.length - 1], 0.0);

    ErrorHistogram h = s.histogram();
    assertEquals(10, h.total());
    double[] edges = h.edgesKm();
    assertEquals(0, edges[0], 0.0);
    assertEquals(0.1, edges[1], 1e-12);
    assertTrue(edges[edges.length - 1] >= GreatCircle.MAX_DISTANCE_KM);
    assertEquals(h.bins() + 1, edges.length);
    long[] counts = h.counts();
    assertEquals(1, counts[0]); // [0, 0.1]: the exact hit
    // 1 and 1.0000001 straddle the edge at exactly 1 km: (0.631, 1] and (1, 1.585]
    assertEquals(1, counts[indexOfBinEndingAt(edges, 1.0)]);
    assertEquals(1, counts[indexOfBinEndingAt(edges, 1.0) + 1]);
  }

  private static int indexOfBinEndingAt(double[] edges, double km) {
    for (int i = 1; i < edges.length; i++) {
      if (Math.abs(edges[i] - km) < 1e-9) {
        return i - 1;
      }
    }
    throw new AssertionError("no edge at " + km);
  }

  @Test
  void rejectsEmptyAndInvalidDistances() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ErrorStats.of(new double[0], DistanceThresholds.PAPER));
    assertTrue(e.getMessage().contains("distancesKm"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> ErrorStats.of(new double[] {1, Double.NaN}, DistanceThresholds.PAPER));
    assertTrue(e.getMessage().contains("distancesKm[1]"), e.getMessage());
  }

  @Test
  void thresholdsAreValidated() {
    assertEquals("street (1 km)", DistanceThresholds.PAPER.label(0));
    assertEquals("0.5 km", DistanceThresholds.ofKm(0.5, 3).label(0));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DistanceThresholds.ofKm(25, 1));
    assertTrue(e.getMessage().contains("strictly increasing"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> DistanceThresholds.ofKm(0));
    assertTrue(e.getMessage().contains("thresholdsKm[0]"), e.getMessage());
  }
}
