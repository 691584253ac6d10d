package org.geodecoder.eval;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Evaluations of all datasets seen, ordered as in the paper's Table 1 (Im2GPS, Im2GPS3k, YFCC4k,
 * YFCC26k, GWS15k) and then by name. Immutable.
 */
public final class EvaluationResult {
  private final DistanceThresholds thresholds;
  private final List<DatasetEvaluation> datasets;

  public EvaluationResult(DistanceThresholds thresholds, List<DatasetEvaluation> datasets) {
    if (thresholds == null || datasets == null) {
      throw new IllegalArgumentException("thresholds and datasets must be set");
    }
    List<DatasetEvaluation> ordered = new ArrayList<>(datasets);
    ordered.sort(
        Comparator.comparingInt((DatasetEvaluation d) -> PaperResults.paperOrder(d.name()))
            .thenComparing(DatasetEvaluation::name));
    this.thresholds = thresholds;
    this.datasets = List.copyOf(ordered);
  }

  public DistanceThresholds thresholds() {
    return thresholds;
  }

  public List<DatasetEvaluation> datasets() {
    return datasets;
  }

  public Optional<DatasetEvaluation> dataset(String name) {
    return datasets.stream().filter(d -> d.name().equals(name)).findFirst();
  }
}
