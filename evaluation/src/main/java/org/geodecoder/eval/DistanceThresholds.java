package org.geodecoder.eval;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The distance thresholds at which accuracy is reported; a prediction counts as correct at
 * threshold t when its error is {@code <= t}. Immutable; strictly increasing, positive, finite.
 */
public final class DistanceThresholds implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The paper's thresholds: street 1, city 25, region 200, country 750, continent 2500 km. */
  public static final DistanceThresholds PAPER = ofKm(1, 25, 200, 750, 2500);

  private static final String[] PAPER_NAMES = {"street", "city", "region", "country", "continent"};

  private final double[] km;

  private DistanceThresholds(double[] km) {
    this.km = km;
  }

  /**
   * @throws IllegalArgumentException when no threshold is given or they are not positive, finite
   *     and strictly increasing
   */
  public static DistanceThresholds ofKm(double... thresholdsKm) {
    if (thresholdsKm == null || thresholdsKm.length == 0) {
      throw new IllegalArgumentException("thresholdsKm must name at least one threshold");
    }
    double[] copy = thresholdsKm.clone();
    for (int i = 0; i < copy.length; i++) {
      if (!(copy[i] > 0) || Double.isInfinite(copy[i])) {
        throw new IllegalArgumentException(
            "thresholdsKm[" + i + "] must be positive and finite, got " + copy[i]);
      }
      if (i > 0 && copy[i] <= copy[i - 1]) {
        throw new IllegalArgumentException(
            "thresholdsKm must be strictly increasing, got " + Arrays.toString(copy));
      }
    }
    return new DistanceThresholds(copy);
  }

  public int size() {
    return km.length;
  }

  public double km(int index) {
    return km[index];
  }

  /** A copy of the thresholds in km. */
  public double[] toArray() {
    return km.clone();
  }

  /** Short label: "street (1 km)" for the paper's thresholds, otherwise "1 km". */
  public String label(int index) {
    String km = formatKm(this.km[index]);
    return equals(PAPER) ? PAPER_NAMES[index] + " (" + km + ")" : km;
  }

  /** "25 km", "0.5 km": integers without a decimal point. */
  public static String formatKm(double km) {
    return (km == Math.rint(km) ? String.valueOf((long) km) : String.valueOf(km)) + " km";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DistanceThresholds && Arrays.equals(km, ((DistanceThresholds) o).km);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(km);
  }

  @Override
  public String toString() {
    return Arrays.toString(km) + " km";
  }
}
