package org.geodecoder.eval;

/**
 * How often the predicted cell (class) of one partition hierarchy equals the true cell.
 *
 * @param hierarchy 1-based hierarchy index (1 = coarsest)
 * @param labelled predictions whose true class in this hierarchy is known ({@code >= 0}); images
 *     whose cell was dropped ({@code -1}) do not count
 * @param correct labelled predictions whose predicted class equals the true class
 */
public record HierarchyAccuracy(int hierarchy, long labelled, long correct) {
  public HierarchyAccuracy {
    if (hierarchy < 1) {
      throw new IllegalArgumentException("hierarchy must be >= 1, got " + hierarchy);
    }
    if (labelled < 0 || correct < 0 || correct > labelled) {
      throw new IllegalArgumentException(
          "need 0 <= correct <= labelled, got correct=" + correct + ", labelled=" + labelled);
    }
  }

  /** Fraction correct in [0, 1]; NaN when nothing is labelled. */
  public double accuracy() {
    return labelled == 0 ? Double.NaN : correct / (double) labelled;
  }
}
