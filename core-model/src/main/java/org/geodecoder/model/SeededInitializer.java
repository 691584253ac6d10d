package org.geodecoder.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;
import java.util.SplittableRandom;

/**
 * timm's weight initialisation, {@code trunc_normal_(std=0.02)} (truncated at two standard
 * deviations), drawn from a seeded Java generator so that a model is the same on every machine
 * and thread (engine random state is global per process and shared by a Spark executor's
 * tasks). Parameters are initialised in block order, so one instance per model gives a
 * deterministic model for a seed.
 */
final class SeededInitializer implements Initializer {
  private final SplittableRandom random;
  private final double std;

  SeededInitializer(long seed, double std) {
    this.random = new SplittableRandom(seed);
    this.std = std;
  }

  @Override
  public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
    float[] values = new float[Math.toIntExact(shape.size())];
    for (int i = 0; i < values.length; i++) {
      double z;
      do {
        z = gaussian();
      } while (Math.abs(z) > 2);
      values[i] = (float) (z * std);
    }
    return manager.create(values, shape).toType(dataType, false);
  }

  private double gaussian() {
    // Box-Muller; SplittableRandom has no nextGaussian before Java 17's RandomGenerator default
    double u1 = 1.0 - random.nextDouble();
    double u2 = random.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
}
