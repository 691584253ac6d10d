package org.geodecoder.s2;

import com.google.common.geometry.S2Cell;
import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.util.SplittableRandom;

/** Point sets for the partitioner tests: {lat[], lon[]} in degrees. */
final class PointSets {
  private PointSets() {}

  static double[][] uniform(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] p = new double[2][n];
    for (int i = 0; i < n; i++) {
      p[0][i] = Math.toDegrees(Math.asin(2 * r.nextDouble() - 1));
      p[1][i] = r.nextDouble() * 360 - 180;
    }
    return p;
  }

  /** Gaussian blobs of very different sizes and spreads, some across the antimeridian. */
  static double[][] clustered(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] centres = {{48.85, 2.35}, {40.71, -74.0}, {35.68, 139.69}, {-33.87, 151.2}, {64.0, 179.9}, {-17.7, -179.9}};
    double[] spread = {0.05, 0.5, 2.0, 0.01, 1.0, 3.0};
    double[][] p = new double[2][n];
    for (int i = 0; i < n; i++) {
      int c = (int) Math.min(centres.length - 1, Math.floor(Math.abs(r.nextDouble() * r.nextDouble()) * centres.length * 1.5));
      double lat = centres[c][0] + gaussian(r) * spread[c];
      double lon = centres[c][1] + gaussian(r) * spread[c];
      p[0][i] = Math.max(-90, Math.min(90, lat));
      p[1][i] = lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
    }
    return p;
  }

  /**
   * The hard cases: many duplicates at one spot (beyond any tmax: must stay a level-30 cell),
   * points exactly on S2 cell edges and corners, both poles, both sides of the antimeridian,
   * and a dense patch filling one face.
   */
  static double[][] adversarial(long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    java.util.List<double[]> pts = new java.util.ArrayList<>();
    for (int i = 0; i < 700; i++) {
      pts.add(new double[] {45.0, 7.0}); // one spot, more than every tmax used in tests
    }
    for (int i = 0; i < 300; i++) {
      pts.add(new double[] {90.0, r.nextDouble() * 360 - 180}); // north pole, any longitude
      pts.add(new double[] {-90.0, 0.0});
      pts.add(new double[] {r.nextDouble() * 10 - 5, 180.0});
      pts.add(new double[] {r.nextDouble() * 10 - 5, -180.0});
      pts.add(new double[] {0.0, 0.0});
    }
    // Vertices of cells at several levels around one area: exactly on edges and corners.
    S2CellId base = S2CellId.fromLatLng(S2LatLng.fromDegrees(10, 20)).parent(6);
    for (S2CellId c = base.childBegin(10); !c.equals(base.childEnd(10)); c = c.next()) {
      S2Cell cell = new S2Cell(c);
      for (int v = 0; v < 4; v++) {
        S2LatLng ll = new S2LatLng(cell.getVertex(v));
        pts.add(new double[] {ll.latDegrees(), ll.lngDegrees()});
      }
    }
    // Face 0 edges (|lon| = 45 and |lat| = 45 planes) and a dense patch inside face 0.
    for (int i = 0; i < 2000; i++) {
      pts.add(new double[] {r.nextDouble() * 80 - 40, 45.0});
      pts.add(new double[] {r.nextDouble() * 20 - 10, r.nextDouble() * 20 - 10});
    }
    double[][] p = new double[2][pts.size()];
    for (int i = 0; i < pts.size(); i++) {
      p[0][i] = pts.get(i)[0];
      p[1][i] = pts.get(i)[1];
    }
    return p;
  }

  /** All points on one face (face 2, around the north pole). */
  static double[][] oneFace(int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    double[][] p = new double[2][n];
    for (int i = 0; i < n; i++) {
      p[0][i] = 60 + 30 * r.nextDouble() * r.nextDouble();
      p[1][i] = r.nextDouble() * 360 - 180;
    }
    return p;
  }

  private static double gaussian(SplittableRandom r) {
    double u = 1 - r.nextDouble();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
  }
}
