package org.geodecoder.model.loss;

import java.util.Arrays;
import java.util.Locale;

/**
 * The terms of the loss for logging: for each hierarchy and for the scene, the summed
 * cross-entropy over the samples that have a label, and how many had one. Sums and counts add
 * up exactly across replicas ({@link #plus}), so the per-term means of the global batch can be
 * logged without a second pass. Immutable.
 *
 * <p>Term {@code h < H} is hierarchy h; term H is the scene.
 */
public final class LossTerms {
  private final double[] sums;
  private final long[] counts;
  private final long batchSize;

  public LossTerms(double[] sums, long[] counts, long batchSize) {
    if (sums.length != counts.length) {
      throw new IllegalArgumentException("sums and counts differ in length");
    }
    this.sums = sums.clone();
    this.counts = counts.clone();
    this.batchSize = batchSize;
  }

  /** H class terms + the scene term. */
  public int terms() {
    return sums.length;
  }

  public double sum(int term) {
    return sums[term];
  }

  public long count(int term) {
    return counts[term];
  }

  public long batchSize() {
    return batchSize;
  }

  /** Mean cross-entropy of a term over the samples with a label (NaN if none had one). */
  public double mean(int term) {
    return counts[term] == 0 ? Double.NaN : sums[term] / counts[term];
  }

  /**
   * The optimised objective for these samples: Σ over terms of (summed cross-entropy / batch
   * size). A sample without a label in a term contributes 0 to that term but counts in the
   * batch size, which makes the objective a per-sample mean that is additive over replicas.
   */
  public double objective() {
    double total = 0;
    for (double s : sums) {
      total += s;
    }
    return total / batchSize;
  }

  /** Terms of the union of two disjoint sets of samples. */
  public LossTerms plus(LossTerms other) {
    if (other.sums.length != sums.length) {
      throw new IllegalArgumentException(
          "Cannot add loss terms with " + other.sums.length + " and " + sums.length + " terms");
    }
    double[] s = sums.clone();
    long[] c = counts.clone();
    for (int i = 0; i < s.length; i++) {
      s[i] += other.sums[i];
      c[i] += other.counts[i];
    }
    return new LossTerms(s, c, batchSize + other.batchSize);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("LossTerms[objective=");
    sb.append(String.format(Locale.ROOT, "%.5f", objective()));
    for (int i = 0; i < sums.length; i++) {
      sb.append(i == sums.length - 1 ? ", scene=" : ", h" + i + "=")
          .append(String.format(Locale.ROOT, "%.5f", mean(i)))
          .append(" (n=")
          .append(counts[i])
          .append(')');
    }
    return sb.append(", B=").append(batchSize).append(']').toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossTerms
        && Arrays.equals(sums, ((LossTerms) o).sums)
        && Arrays.equals(counts, ((LossTerms) o).counts)
        && batchSize == ((LossTerms) o).batchSize;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(sums) * 31 + Arrays.hashCode(counts);
  }
}
