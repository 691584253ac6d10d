package org.geodecoder.jobs.evaluate;

import java.io.Serializable;
import java.util.Map;
import java.util.TreeMap;
import org.geodecoder.eval.EvaluationAccumulator;
import org.geodecoder.eval.analysis.DatasetAnalysisAccumulator;

/** One partition's metrics and dataset analysis; merged in a tree on the way to the driver. */
final class EvaluationPartial implements Serializable {
  private static final long serialVersionUID = 1L;
  final EvaluationAccumulator metrics = EvaluationAccumulator.create();
  final Map<String, DatasetAnalysisAccumulator> analyses = new TreeMap<>();

  EvaluationPartial merge(EvaluationPartial other) {
    metrics.merge(other.metrics);
    other.analyses.forEach((k, v) -> analyses.merge(k, v, DatasetAnalysisAccumulator::merge));
    return this;
  }
}
