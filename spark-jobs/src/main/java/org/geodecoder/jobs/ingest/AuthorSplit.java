package org.geodecoder.jobs.ingest;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Deterministic author-disjoint train/validation split: an author's photos all go to the same
 * side, decided by a 64-bit hash of the author (FNV-1a, then a SplitMix finalizer), so no
 * photographer appears in both training and validation data, as the paper guarantees.
 * Parsed from {@code author:0.02} (fraction of authors in validation) or {@code none}.
 */
public final class AuthorSplit implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String TRAIN = "train";
  public static final String VAL = "val";

  private final double valFraction;

  private AuthorSplit(double valFraction) {
    this.valFraction = valFraction;
  }

  /** @throws IllegalArgumentException naming the accepted forms */
  public static AuthorSplit parse(String spec) {
    if (spec.equalsIgnoreCase("none")) {
      return new AuthorSplit(0);
    }
    String[] parts = spec.split(":");
    if (parts.length == 2 && parts[0].equalsIgnoreCase("author")) {
      try {
        double f = Double.parseDouble(parts[1]);
        if (f >= 0 && f < 1) {
          return new AuthorSplit(f);
        }
      } catch (NumberFormatException ignored) {
        // reported below
      }
    }
    throw new IllegalArgumentException("expected author:<fraction in [0, 1)> or none");
  }

  public double valFraction() {
    return valFraction;
  }

  public String splitOf(String author) {
    return valFraction > 0 && unitHash(author) < valFraction ? VAL : TRAIN;
  }

  /** Hash of the author mapped to [0, 1). */
  static double unitHash(String author) {
    long h = 0xcbf29ce484222325L;
    for (byte b : author.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    h = (h ^ (h >>> 30)) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (h >>> 27)) * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    return (h >>> 11) * 0x1.0p-53;
  }
}
