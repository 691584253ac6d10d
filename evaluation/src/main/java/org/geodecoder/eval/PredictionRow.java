package org.geodecoder.eval;

import java.util.Arrays;
import java.util.Objects;

/**
 * One prediction with its ground truth, the shape of a row of the predictions table joined with
 * the true location (DESIGN §3). Scene labels are {@code -1} when unknown; class arrays are empty
 * when the row carries no per-hierarchy classes, else parallel (hierarchy 1 first, {@code -1} =
 * no class). Immutable (arrays are copied in and out).
 */
public record PredictionRow(
    String dataset,
    double trueLatDegrees,
    double trueLonDegrees,
    double predictedLatDegrees,
    double predictedLonDegrees,
    int scene3,
    int scene16,
    int[] predictedClasses,
    int[] trueClasses) {

  public PredictionRow {
    predictedClasses = predictedClasses == null ? new int[0] : predictedClasses.clone();
    trueClasses = trueClasses == null ? new int[0] : trueClasses.clone();
  }

  /** A row without scene labels or classes. */
  public static PredictionRow of(
      String dataset, double trueLat, double trueLon, double predictedLat, double predictedLon) {
    return new PredictionRow(
        dataset, trueLat, trueLon, predictedLat, predictedLon, -1, -1, null, null);
  }

  /** This row with the given scene labels. */
  public PredictionRow withScenes(int scene3, int scene16) {
    return new PredictionRow(dataset, trueLatDegrees, trueLonDegrees, predictedLatDegrees,
        predictedLonDegrees, scene3, scene16, predictedClasses, trueClasses);
  }

  /** This row with the given per-hierarchy predicted and true classes. */
  public PredictionRow withClasses(int[] predictedClasses, int[] trueClasses) {
    return new PredictionRow(dataset, trueLatDegrees, trueLonDegrees, predictedLatDegrees,
        predictedLonDegrees, scene3, scene16, predictedClasses, trueClasses);
  }

  @Override
  public int[] predictedClasses() {
    return predictedClasses.clone();
  }

  @Override
  public int[] trueClasses() {
    return trueClasses.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof PredictionRow)) {
      return false;
    }
    PredictionRow r = (PredictionRow) o;
    return dataset.equals(r.dataset)
        && Double.compare(trueLatDegrees, r.trueLatDegrees) == 0
        && Double.compare(trueLonDegrees, r.trueLonDegrees) == 0
        && Double.compare(predictedLatDegrees, r.predictedLatDegrees) == 0
        && Double.compare(predictedLonDegrees, r.predictedLonDegrees) == 0
        && scene3 == r.scene3
        && scene16 == r.scene16
        && Arrays.equals(predictedClasses, r.predictedClasses)
        && Arrays.equals(trueClasses, r.trueClasses);
  }

  @Override
  public int hashCode() {
    return Objects.hash(dataset, trueLatDegrees, trueLonDegrees, predictedLatDegrees,
        predictedLonDegrees, scene3, scene16, Arrays.hashCode(predictedClasses),
        Arrays.hashCode(trueClasses));
  }
}
