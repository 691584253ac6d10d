package org.geodecoder.eval;

/**
 * The GeoGuessr-style score of one guess: {@code 5000 · exp(−d / 1492.7)} with d in km, as used
 * in the geolocalization literature (5000 for a perfect guess, ~1839 at 1492.7 km).
 */
public final class GeoScore {
  /** Points for an exact guess. */
  public static final double MAX_POINTS = 5000;

  /** Decay length of the score, in km. */
  public static final double SCALE_KM = 1492.7;

  private GeoScore() {}

  /** Score of one guess {@code distanceKm} away from the truth. */
  public static double of(double distanceKm) {
    return MAX_POINTS * Math.exp(-distanceKm / SCALE_KM);
  }
}
