package org.geodecoder.jobs.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * The accuracies of one evaluation, read from the {@code metrics.json} that the evaluate job
 * writes ({@code datasets[].name}, {@code datasets[].accuracy{"25": fraction}}): dataset →
 * threshold km → fraction of images within it, in [0, 1]. Immutable.
 */
public record EvalMetrics(Map<String, Map<Double, Double>> accuracy) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public EvalMetrics {
    Map<String, Map<Double, Double>> copy = new LinkedHashMap<>();
    accuracy.forEach((k, v) -> copy.put(k, java.util.Collections.unmodifiableMap(new TreeMap<>(v))));
    accuracy = java.util.Collections.unmodifiableMap(copy);
  }

  /** @throws IllegalArgumentException when the text is not an evaluate metrics.json */
  public static EvalMetrics parse(String metricsJson) {
    JsonNode root;
    try {
      root = JSON.readTree(metricsJson);
    } catch (IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (root == null || !root.path("datasets").isArray()) {
      throw new IllegalArgumentException("no 'datasets' array (not an evaluate metrics.json)");
    }
    Map<String, Map<Double, Double>> out = new LinkedHashMap<>();
    for (JsonNode d : root.get("datasets")) {
      JsonNode acc = d.path("accuracy");
      if (!acc.isObject()) {
        continue; // analysed, not evaluated
      }
      Map<Double, Double> byKm = new TreeMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = acc.fields(); it.hasNext();) {
        Map.Entry<String, JsonNode> e = it.next();
        if (e.getValue().isNumber()) { // null = NaN (no images)
          byKm.put(Double.parseDouble(e.getKey()), e.getValue().asDouble());
        }
      }
      out.put(d.path("name").asText(), byKm);
    }
    return new EvalMetrics(out);
  }

  /** Accuracy (fraction) of a dataset at a threshold, if measured. */
  public OptionalDouble at(String dataset, double km) {
    Map<Double, Double> m = accuracy.get(dataset);
    Double v = m == null ? null : m.get(km);
    return v == null || v.isNaN() ? OptionalDouble.empty() : OptionalDouble.of(v);
  }
}
