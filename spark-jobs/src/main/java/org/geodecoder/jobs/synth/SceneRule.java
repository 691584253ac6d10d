package org.geodecoder.jobs.synth;

/**
 * The documented rule that gives synthetic images their scene labels (Places365's 3 / 16 / 365
 * hierarchy, as MP-16 ships them per image):
 *
 * <ul>
 *   <li>scene3: 0 = indoor (a fixed 15 % of images, chosen by the image's own random draw),
 *       else 2 = urban when the photo is within 5 km of its city centre, else 1 = nature;
 *   <li>scene16: {@code scene3 * 5 + climateBand} (0..14), where the climate band is 0 tropical
 *       (|lat| < 23.5°), 1 subtropical (< 35°), 2 temperate (< 55°), 3 cold (< 66.5°), 4 polar;
 *   <li>scene365: {@code scene16 * 24 + motif} with the city's landmark motif 0..23 (0..359).
 * </ul>
 */
public final class SceneRule {
  public static final double INDOOR_FRACTION = 0.15;
  public static final double URBAN_RADIUS_KM = 5;

  private SceneRule() {}

  public static int climateBand(double latDegrees) {
    double a = Math.abs(latDegrees);
    return a < 23.5 ? 0 : a < 35 ? 1 : a < 55 ? 2 : a < 66.5 ? 3 : 4;
  }

  /** @param draw the image's uniform draw in [0, 1) deciding indoor scenes */
  public static int scene3(double draw, double distanceToCityKm) {
    if (draw < INDOOR_FRACTION) {
      return 0;
    }
    return distanceToCityKm <= URBAN_RADIUS_KM ? 2 : 1;
  }

  public static int scene16(int scene3, double latDegrees) {
    return scene3 * 5 + climateBand(latDegrees);
  }

  public static int scene365(int scene16, int motif) {
    return scene16 * 24 + motif;
  }
}
