package org.geodecoder.jobs.train;

import java.io.Serializable;

/**
 * One row of an epoch's input as a replica receives it: its position in the epoch's order (see
 * {@link EpochOrder}), the encoded image, its class labels (one per hierarchy, −1 = none; null
 * when the id has no labels row), its scene label (−1 = unknown) and its true location.
 */
public record TrainingSample(long position, String id, byte[] image, int[] labels, int scene, int scene3, int scene16,
    double latDegrees, double lonDegrees) implements Serializable {

  public boolean isValidation() {
    return position >= EpochOrder.VALIDATION_BASE;
  }
}
