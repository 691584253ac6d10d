package org.geodecoder.eval;

import org.geodecoder.geo.GeoPoint;

/**
 * Great-circle geometry on a sphere of radius {@link #EARTH_RADIUS_KM}, the model used by the
 * geolocalization benchmarks (Im2GPS, YFCC, GWS15k).
 *
 * <p><b>Accuracy.</b> {@link #distanceKm} is the haversine formula in its {@code atan2} form. The
 * haversine {@code h = sin²(θ/2)} and its complement {@code 1 − h = cos²(θ/2)} are each computed as
 * a sum of non-negative terms (the complement is the haversine to the antipode), so neither
 * suffers cancellation: the result is accurate to a few ulps of the central angle for every pair
 * of points, coincident and antipodal ones included, i.e. better than 1 µm on the sphere (the
 * plain {@code asin} form loses up to ~60 m near antipodes). The spherical model itself differs
 * from WGS84 ellipsoidal geodesics by up to about 0.5%.
 */
public final class GreatCircle {
  /** Mean Earth radius R1 = (2a + b) / 3 of WGS84, in km. */
  public static final double EARTH_RADIUS_KM = 6371.0088;

  /** Half the circumference: the largest possible distance, π·R. */
  public static final double MAX_DISTANCE_KM = Math.PI * EARTH_RADIUS_KM;

  private GreatCircle() {}

  /** Distance in km between two points given in degrees; inputs are not validated (hot path). */
  public static double distanceKm(
      double lat1Degrees, double lon1Degrees, double lat2Degrees, double lon2Degrees) {
    return EARTH_RADIUS_KM
        * centralAngleRadians(lat1Degrees, lon1Degrees, lat2Degrees, lon2Degrees);
  }

  /** Distance in km between two points. */
  public static double distanceKm(GeoPoint a, GeoPoint b) {
    return distanceKm(a.latDegrees(), a.lonDegrees(), b.latDegrees(), b.lonDegrees());
  }

  /** Central angle in radians, in [0, π], between two points given in degrees. */
  public static double centralAngleRadians(
      double lat1Degrees, double lon1Degrees, double lat2Degrees, double lon2Degrees) {
    double phi1 = Math.toRadians(lat1Degrees);
    double phi2 = Math.toRadians(lat2Degrees);
    double halfDeltaLambda = Math.toRadians(lon2Degrees - lon1Degrees) * 0.5;
    double sinHalfDeltaPhi = Math.sin((phi2 - phi1) * 0.5);
    double sinHalfSumPhi = Math.sin((phi1 + phi2) * 0.5);
    double cosCos = Math.cos(phi1) * Math.cos(phi2);
    double sinHalfDeltaLambda = Math.sin(halfDeltaLambda);
    double cosHalfDeltaLambda = Math.cos(halfDeltaLambda);
    // h + complement == 1 exactly in real arithmetic; both are sums of non-negative terms.
    double h = sinHalfDeltaPhi * sinHalfDeltaPhi + cosCos * sinHalfDeltaLambda * sinHalfDeltaLambda;
    double complement =
        sinHalfSumPhi * sinHalfSumPhi + cosCos * cosHalfDeltaLambda * cosHalfDeltaLambda;
    return 2 * Math.atan2(Math.sqrt(h), Math.sqrt(complement));
  }

  /**
   * The point reached from a start point after travelling {@code distanceKm} along the great
   * circle with initial bearing {@code bearingRadians} (0 = north, π/2 = east).
   *
   * @throws IllegalArgumentException when the start point is invalid, the distance is negative or
   *     not finite, or the bearing is not finite
   */
  public static GeoPoint destination(
      double latDegrees, double lonDegrees, double bearingRadians, double distanceKm) {
    if (!GeoPoint.isValid(latDegrees, lonDegrees)) {
      throw new IllegalArgumentException(
          "Invalid start point latDegrees=" + latDegrees + ", lonDegrees=" + lonDegrees);
    }
    if (!(distanceKm >= 0) || Double.isInfinite(distanceKm)) {
      throw new IllegalArgumentException(
          "distanceKm must be finite and >= 0, got " + distanceKm);
    }
    if (!Double.isFinite(bearingRadians)) {
      throw new IllegalArgumentException("bearingRadians must be finite, got " + bearingRadians);
    }
    double phi1 = Math.toRadians(latDegrees);
    double delta = distanceKm / EARTH_RADIUS_KM;
    double sinPhi1 = Math.sin(phi1);
    double cosPhi1 = Math.cos(phi1);
    double sinDelta = Math.sin(delta);
    double cosDelta = Math.cos(delta);
    double sinPhi2 = sinPhi1 * cosDelta + cosPhi1 * sinDelta * Math.cos(bearingRadians);
    sinPhi2 = Math.max(-1, Math.min(1, sinPhi2)); // rounding can step just outside [-1, 1]
    double phi2 = Math.asin(sinPhi2);
    double lambda2 =
        Math.toRadians(lonDegrees)
            + Math.atan2(
                Math.sin(bearingRadians) * sinDelta * cosPhi1, cosDelta - sinPhi1 * sinPhi2);
    return GeoPoint.fromDegrees(Math.toDegrees(phi2), normalizeLonDegrees(Math.toDegrees(lambda2)));
  }

  /** The equivalent longitude in [-180, 180]. */
  static double normalizeLonDegrees(double lonDegrees) {
    double lon = lonDegrees;
    if (lon < -180 || lon > 180) {
      lon = ((lon + 180) % 360 + 360) % 360 - 180;
    }
    return lon;
  }
}
