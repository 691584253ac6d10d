package org.geodecoder.model.train;

import java.util.Arrays;
import java.util.Locale;

/**
 * SGD with momentum and weight decay (PyTorch semantics), a MultiStepLR schedule and optional
 * gradient-norm clipping. Milestones count optimizer updates; {@link
 * Builder#optMilestonesInEpochs} converts the paper's epoch milestones. Immutable.
 *
 * <p>Paper: lr 0.01, momentum 0.9, weight decay 1e-4, milestones epochs [4, 8, 12, 13, 14, 15],
 * gamma 0.5, no clipping.
 */
public final class SgdConfig {
  private final double learningRate;
  private final double momentum;
  private final double weightDecay;
  private final long[] milestones;
  private final double gamma;
  private final double clipNorm;

  private SgdConfig(Builder b) {
    this.learningRate = b.learningRate;
    this.momentum = b.momentum;
    this.weightDecay = b.weightDecay;
    this.milestones = b.milestones.clone();
    this.gamma = b.gamma;
    this.clipNorm = b.clipNorm;
  }

  /** The paper's settings with milestones converted for {@code stepsPerEpoch}. */
  public static SgdConfig paper(long stepsPerEpoch) {
    return builder().optMilestonesInEpochs(new int[] {4, 8, 12, 13, 14, 15}, stepsPerEpoch).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public double learningRate() {
    return learningRate;
  }

  public double momentum() {
    return momentum;
  }

  public double weightDecay() {
    return weightDecay;
  }

  public long[] milestones() {
    return milestones.clone();
  }

  public double gamma() {
    return gamma;
  }

  /** Maximum global L2 norm of the gradient, 0 = no clipping. */
  public double clipNorm() {
    return clipNorm;
  }

  /** MultiStepLR: the rate of update number {@code step} (0-based). */
  public double learningRateAt(long step) {
    double lr = learningRate;
    for (long m : milestones) {
      if (step >= m) {
        lr *= gamma;
      }
    }
    return lr;
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "SgdConfig[lr %g, momentum %g, wd %g, milestones %s, gamma %g, clip %g]",
        learningRate,
        momentum,
        weightDecay,
        Arrays.toString(milestones),
        gamma,
        clipNorm);
  }

  /** Defaults are the paper's (milestones none until set). */
  public static final class Builder {
    private double learningRate = 0.01;
    private double momentum = 0.9;
    private double weightDecay = 1e-4;
    private long[] milestones = new long[0];
    private double gamma = 0.5;
    private double clipNorm;

    private Builder() {}

    public Builder optLearningRate(double v) {
      this.learningRate = v;
      return this;
    }

    public Builder optMomentum(double v) {
      this.momentum = v;
      return this;
    }

    public Builder optWeightDecay(double v) {
      this.weightDecay = v;
      return this;
    }

    /** Update counts at which the rate is multiplied by gamma. */
    public Builder optMilestones(long... v) {
      this.milestones = v.clone();
      return this;
    }

    public Builder optMilestonesInEpochs(int[] epochs, long stepsPerEpoch) {
      long[] m = new long[epochs.length];
      for (int i = 0; i < m.length; i++) {
        m[i] = epochs[i] * stepsPerEpoch;
      }
      this.milestones = m;
      return this;
    }

    public Builder optGamma(double v) {
      this.gamma = v;
      return this;
    }

    public Builder optClipNorm(double v) {
      this.clipNorm = v;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the bad field and value
     */
    public SgdConfig build() {
      check(learningRate > 0, "learningRate", learningRate, "> 0");
      check(momentum >= 0 && momentum < 1, "momentum", momentum, "in [0, 1)");
      check(weightDecay >= 0, "weightDecay", weightDecay, ">= 0");
      check(gamma > 0 && gamma <= 1, "gamma", gamma, "in (0, 1]");
      check(clipNorm >= 0, "clipNorm", clipNorm, ">= 0 (0 = off)");
      for (int i = 0; i < milestones.length; i++) {
        if (milestones[i] < 0 || (i > 0 && milestones[i] <= milestones[i - 1])) {
          throw new IllegalArgumentException(
              "milestones must be increasing and >= 0, got " + Arrays.toString(milestones));
        }
      }
      return new SgdConfig(this);
    }

    private static void check(boolean ok, String name, double value, String rule) {
      if (!ok) {
        throw new IllegalArgumentException(
            "Cannot set " + name + " to " + value + ", must be " + rule);
      }
    }
  }
}
