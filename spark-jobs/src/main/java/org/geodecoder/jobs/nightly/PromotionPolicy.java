package org.geodecoder.jobs.nightly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * Decides whether a newly trained model replaces the current one: a pure function of the two
 * evaluations on the same held-out set.
 *
 * <p>The candidate is promoted unless, for some dataset both evaluations cover and some
 * configured threshold, its accuracy is lower than the current model's by more than the margin
 * (in accuracy points: 1.0 = one percentage point). The first model (no current one) is always
 * promoted. A candidate whose metrics lack a configured threshold, or that shares no dataset
 * with the current metrics, is rejected: the comparison it would need is missing. Differences
 * within 1e-9 points of the margin count as within it (floating-point noise).
 */
public final class PromotionPolicy {
  private static final double EPS = 1e-9;
  private final double[] thresholdsKm;
  private final double marginPoints;

  /**
   * @param thresholdsKm the thresholds compared (at least one)
   * @param marginPoints largest accepted drop, in accuracy points (percentage points), >= 0
   */
  public PromotionPolicy(double[] thresholdsKm, double marginPoints) {
    if (thresholdsKm.length == 0) {
      throw new IllegalArgumentException("at least one threshold is needed");
    }
    if (!(marginPoints >= 0)) {
      throw new IllegalArgumentException("margin must be >= 0, got " + marginPoints);
    }
    this.thresholdsKm = thresholdsKm.clone();
    this.marginPoints = marginPoints;
  }

  public double[] thresholdsKm() {
    return thresholdsKm.clone();
  }

  public double marginPoints() {
    return marginPoints;
  }

  /** One dataset at one threshold: accuracies in percent; current is null for a first model. */
  public record Comparison(String dataset, double thresholdKm, double candidatePercent, Double currentPercent) {
    /** Candidate minus current, in points; null without a current model. */
    public Double deltaPoints() {
      return currentPercent == null ? null : candidatePercent - currentPercent;
    }

    String describe() {
      return String.format(Locale.ROOT, "%s@%skm %.2f%% vs %.2f%% (%+.2f)", dataset, km(thresholdKm), candidatePercent,
          currentPercent, deltaPoints());
    }
  }

  /** The decision and why, with every comparison made. */
  public record Decision(boolean promoted, String reason, List<Comparison> comparisons) {
    public Decision {
      comparisons = List.copyOf(comparisons);
    }
  }

  /**
   * @param candidate the new model's evaluation
   * @param current the current model's evaluation, or null when there is no current model
   * @param currentName how reasons name the current model (e.g. its version)
   */
  public Decision decide(EvalMetrics candidate, EvalMetrics current, String currentName) {
    List<Comparison> comparisons = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    if (candidate.accuracy().isEmpty()) {
      return new Decision(false, "the candidate's metrics hold no evaluated dataset", comparisons);
    }
    if (current == null) {
      for (String ds : candidate.accuracy().keySet()) {
        for (double km : thresholdsKm) {
          OptionalDouble c = candidate.at(ds, km);
          if (c.isPresent()) {
            comparisons.add(new Comparison(ds, km, 100 * c.getAsDouble(), null));
          } else {
            missing.add(ds + "@" + km(km) + "km");
          }
        }
      }
      if (!missing.isEmpty()) {
        return new Decision(false, "the candidate's metrics have no accuracy at " + String.join(", ", missing), comparisons);
      }
      return new Decision(true, "first model: there is no current model to compare with", comparisons);
    }
    List<String> shared = new ArrayList<>(candidate.accuracy().keySet());
    shared.retainAll(current.accuracy().keySet());
    if (shared.isEmpty()) {
      return new Decision(false, "the candidate and " + currentName + " were evaluated on no common dataset (candidate: "
          + candidate.accuracy().keySet() + ", " + currentName + ": " + current.accuracy().keySet()
          + "); re-evaluate it on the held-out set (--rescore-current true)", comparisons);
    }
    List<String> currentMissing = new ArrayList<>();
    for (String ds : shared) {
      for (double km : thresholdsKm) {
        OptionalDouble c = candidate.at(ds, km);
        OptionalDouble p = current.at(ds, km);
        if (c.isEmpty()) {
          missing.add(ds + "@" + km(km) + "km");
        } else if (p.isEmpty()) {
          currentMissing.add(ds + "@" + km(km) + "km");
        } else {
          comparisons.add(new Comparison(ds, km, 100 * c.getAsDouble(), 100 * p.getAsDouble()));
        }
      }
    }
    if (!missing.isEmpty()) {
      return new Decision(false, "the candidate's metrics have no accuracy at " + String.join(", ", missing), comparisons);
    }
    if (!currentMissing.isEmpty()) {
      return new Decision(false, "the metrics of " + currentName + " have no accuracy at " + String.join(", ", currentMissing)
          + "; re-evaluate it on the held-out set (--rescore-current true)", comparisons);
    }
    List<String> worse = new ArrayList<>();
    Comparison largestDrop = null;
    for (Comparison c : comparisons) {
      if (c.deltaPoints() < -marginPoints - EPS) {
        worse.add(c.describe());
      }
      if (largestDrop == null || c.deltaPoints() < largestDrop.deltaPoints()) {
        largestDrop = c;
      }
    }
    String margin = String.format(Locale.ROOT, "%.2f", marginPoints);
    if (!worse.isEmpty()) {
      return new Decision(false, "worse than " + currentName + " by more than the margin of " + margin + " points at "
          + String.join("; ", worse), comparisons);
    }
    if (largestDrop.deltaPoints() >= 0) {
      return new Decision(true, "at least as good as " + currentName + " at every threshold "
          + Arrays.toString(Arrays.stream(thresholdsKm).mapToObj(PromotionPolicy::km).toArray()) + " km", comparisons);
    }
    return new Decision(true, "within the margin of " + margin + " points of " + currentName + " (largest drop: "
        + largestDrop.describe() + ")", comparisons);
  }

  /** "25", "0.5": km without a trailing ".0" (as metrics.json keys). */
  static String km(double km) {
    return km == Math.rint(km) ? Long.toString((long) km) : Double.toString(km);
  }
}
