package org.geodecoder.geo;

import java.util.Objects;

/**
 * An immutable point on the sphere given by latitude and longitude in degrees (WGS84 values
 * treated as spherical). Validity is checked explicitly ({@link #isValid()}), never clamped
 * silently; {@link #fromDegrees} refuses invalid input.
 */
public final class GeoPoint {
  private final double latDegrees;
  private final double lonDegrees;

  private GeoPoint(double latDegrees, double lonDegrees) {
    this.latDegrees = latDegrees;
    this.lonDegrees = lonDegrees;
  }

  /**
   * @throws IllegalArgumentException when the latitude is outside [-90, 90], the longitude
   *     outside [-180, 180], or either is NaN/infinite
   */
  public static GeoPoint fromDegrees(double latDegrees, double lonDegrees) {
    if (!isValid(latDegrees, lonDegrees)) {
      throw new IllegalArgumentException(
          "Invalid coordinates lat=" + latDegrees + ", lon=" + lonDegrees
              + ": latitude must be in [-90, 90] and longitude in [-180, 180]");
    }
    return new GeoPoint(latDegrees, lonDegrees);
  }

  /** Point of a (not necessarily unit) direction vector; the zero vector is rejected. */
  public static GeoPoint fromVector(double x, double y, double z) {
    double norm = Math.sqrt(x * x + y * y + z * z);
    if (!(norm > 0)) {
      throw new IllegalArgumentException("Cannot take the direction of a zero vector");
    }
    // atan2 rather than asin: accurate near the poles.
    double lat = Math.toDegrees(Math.atan2(z, Math.sqrt(x * x + y * y)));
    double lon = Math.toDegrees(Math.atan2(y, x));
    return new GeoPoint(lat, lon);
  }

  /** True when both values are finite and within the latitude/longitude ranges. */
  public static boolean isValid(double latDegrees, double lonDegrees) {
    return latDegrees >= -90 && latDegrees <= 90 && lonDegrees >= -180 && lonDegrees <= 180;
  }

  public double latDegrees() {
    return latDegrees;
  }

  public double lonDegrees() {
    return lonDegrees;
  }

  /** Unit vector {x, y, z} (x towards lat 0/lon 0, z towards the north pole). */
  public double[] toUnitVector() {
    double lat = Math.toRadians(latDegrees);
    double lon = Math.toRadians(lonDegrees);
    double cosLat = Math.cos(lat);
    return new double[] {cosLat * Math.cos(lon), cosLat * Math.sin(lon), Math.sin(lat)};
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof GeoPoint)) {
      return false;
    }
    GeoPoint p = (GeoPoint) o;
    return Double.compare(latDegrees, p.latDegrees) == 0
        && Double.compare(lonDegrees, p.lonDegrees) == 0;
  }

  @Override
  public int hashCode() {
    return Objects.hash(latDegrees, lonDegrees);
  }

  @Override
  public String toString() {
    return "(" + latDegrees + ", " + lonDegrees + ")";
  }
}
