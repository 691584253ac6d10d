package org.geodecoder.eval;

/**
 * A uniform random sample of predictions of one dataset (true location and error) for the error
 * map. Immutable; arrays are parallel.
 */
public final class ErrorSample {
  private final double[] trueLatDegrees;
  private final double[] trueLonDegrees;
  private final double[] errorKm;

  /**
   * @throws IllegalArgumentException when the arrays are null or of different lengths
   */
  public ErrorSample(double[] trueLatDegrees, double[] trueLonDegrees, double[] errorKm) {
    if (trueLatDegrees == null || trueLonDegrees == null || errorKm == null) {
      throw new IllegalArgumentException("trueLatDegrees, trueLonDegrees and errorKm must be set");
    }
    if (trueLatDegrees.length != trueLonDegrees.length || trueLatDegrees.length != errorKm.length) {
      throw new IllegalArgumentException(
          "trueLatDegrees, trueLonDegrees and errorKm must have equal lengths, got "
              + trueLatDegrees.length + ", " + trueLonDegrees.length + ", " + errorKm.length);
    }
    this.trueLatDegrees = trueLatDegrees.clone();
    this.trueLonDegrees = trueLonDegrees.clone();
    this.errorKm = errorKm.clone();
  }

  public int size() {
    return errorKm.length;
  }

  public double trueLatDegrees(int i) {
    return trueLatDegrees[i];
  }

  public double trueLonDegrees(int i) {
    return trueLonDegrees[i];
  }

  public double errorKm(int i) {
    return errorKm[i];
  }
}
