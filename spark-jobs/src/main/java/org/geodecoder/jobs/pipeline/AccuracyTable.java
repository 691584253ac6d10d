package org.geodecoder.jobs.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;

/**
 * The pipeline's result: evaluate's figures for the model and the baselines on each evaluated
 * split, side by side, and whether the model beats each baseline. "Beats" means a lower median
 * error and a higher mean GeoScore (5000·e^(−km/1492.7), which rewards closeness at every scale),
 * so a baseline that happens to sit on the biggest city cannot win on one threshold alone.
 */
final class AccuracyTable {
  static final String MODEL = "geodecoder";

  /** One prediction set of the evaluation: which split, which predictor, evaluate's dataset name. */
  record Entry(String split, String predictor, String dataset) {}

  /** evaluate's figures for one entry. */
  record Line(Entry entry, long images, Map<String, Double> accuracyByKm, double medianKm, double meanGeoScore) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("split", entry.split());
      m.put("predictor", entry.predictor());
      m.put("images", images);
      m.put("accuracy", accuracyByKm);
      m.put("median_km", medianKm);
      m.put("mean_geoscore", meanGeoScore);
      return m;
    }
  }

  /** The model against one baseline on one split. */
  record Comparison(String split, String baseline, boolean modelWins, String detail) {}

  private final List<Line> lines;
  private final List<String> thresholds;

  private AccuracyTable(List<Line> lines, List<String> thresholds) {
    this.lines = lines;
    this.thresholds = thresholds;
  }

  /** Reads evaluate's metrics.json for the given entries. */
  static AccuracyTable read(Configuration conf, String metricsJson, List<Entry> entries) {
    Path p = new Path(metricsJson);
    JsonNode root;
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      root = new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new JobFailedException("Cannot read the evaluation's metrics " + metricsJson + ": " + e.getMessage(), e);
    }
    Map<String, JsonNode> byName = new LinkedHashMap<>();
    root.path("datasets").forEach(d -> byName.put(d.path("name").asText(), d));
    List<String> thresholds = new ArrayList<>();
    root.path("thresholdsKm").forEach(t -> thresholds.add(t.asText()));
    List<Line> lines = new ArrayList<>();
    for (Entry e : entries) {
      JsonNode d = byName.get(e.dataset());
      if (d == null) {
        throw new JobFailedException("The evaluation " + metricsJson + " has no dataset '" + e.dataset() + "' (has " + byName.keySet() + ")");
      }
      Map<String, Double> acc = new LinkedHashMap<>();
      thresholds.forEach(t -> acc.put(t, d.path("accuracy").path(t).asDouble()));
      lines.add(new Line(e, d.path("count").asLong(), acc, d.path("medianKm").asDouble(), d.path("meanGeoScore").asDouble()));
    }
    return new AccuracyTable(lines, thresholds);
  }

  List<Line> lines() {
    return lines;
  }

  /** The model against every baseline, split by split. */
  List<Comparison> comparisons() {
    List<Comparison> out = new ArrayList<>();
    for (Line model : lines) {
      if (!model.entry().predictor().equals(MODEL)) {
        continue;
      }
      for (Line b : lines) {
        if (b.entry().split().equals(model.entry().split()) && !b.entry().predictor().equals(MODEL)) {
          boolean wins = model.medianKm() < b.medianKm() && model.meanGeoScore() > b.meanGeoScore();
          out.add(new Comparison(model.entry().split(), b.entry().predictor(), wins, String.format(Locale.ROOT,
              "median %.0f vs %.0f km, mean GeoScore %.0f vs %.0f", model.medianKm(), b.medianKm(), model.meanGeoScore(),
              b.meanGeoScore())));
        }
      }
    }
    return out;
  }

  /** The table as fixed-width text: accuracy in % within each threshold. */
  String format() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-8s %-30s %7s", "split", "predictor", "images"));
    thresholds.forEach(t -> sb.append(String.format(Locale.ROOT, " %8s", t + " km")));
    sb.append(String.format(Locale.ROOT, " %10s %9s%n", "median km", "GeoScore"));
    String previous = null;
    for (Line l : lines) {
      String split = l.entry().split().equals(previous) ? "" : l.entry().split();
      previous = l.entry().split();
      sb.append(String.format(Locale.ROOT, "%-8s %-30s %7d", split, l.entry().predictor(), l.images()));
      thresholds.forEach(t -> sb.append(String.format(Locale.ROOT, " %7.1f%%", 100 * l.accuracyByKm().get(t))));
      sb.append(String.format(Locale.ROOT, " %10.0f %9.0f%n", l.medianKm(), l.meanGeoScore()));
    }
    return sb.toString();
  }
}
