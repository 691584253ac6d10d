package org.geodecoder.eval.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import org.geodecoder.eval.AccuracyCurve;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.ErrorHistogram;
import org.geodecoder.eval.ErrorStats;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.GeoScore;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.eval.HierarchyAccuracy;
import org.geodecoder.eval.PaperResults;
import org.geodecoder.eval.analysis.CityCount;
import org.geodecoder.eval.analysis.DatasetAnalysis;

/**
 * The {@code metrics.json} document: every figure of an {@link EvaluationResult} and of the
 * dataset analyses, per dataset. Accuracies are fractions in [0, 1] keyed by threshold in km
 * ({@code "25"}); distances are in km; NaN is written as null. A dataset that was analysed but
 * not evaluated gets an entry with only {@code "analysis"}.
 */
public final class MetricsJson {
  /** Bumped when a field is renamed or removed (adding fields does not bump it). */
  public static final int SCHEMA_VERSION = 1;

  private MetricsJson() {}

  /** The JSON text. */
  public static String toJson(EvaluationResult result, List<DatasetAnalysis> analyses) {
    return Json.write(toTree(result, analyses));
  }

  static Map<String, Object> toTree(EvaluationResult result, List<DatasetAnalysis> analyses) {
    DistanceThresholds thresholds = result.thresholds();
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("schemaVersion", SCHEMA_VERSION);
    root.put("earthRadiusKm", GreatCircle.EARTH_RADIUS_KM);
    root.put("thresholdsKm", thresholds.toArray());
    root.put("percentileLevels", ErrorStats.percentileLevels());
    root.put("geoScore", "5000 * exp(-km / " + GeoScore.SCALE_KM + ")");
    List<Object> datasets = new ArrayList<>();
    List<String> evaluated = new ArrayList<>();
    for (DatasetEvaluation d : result.datasets()) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("name", d.name());
      entry.putAll(stats(d.overall()));
      PaperResults.table1Row(d.name()).ifPresent(row -> {
        Map<String, Object> paper = new LinkedHashMap<>();
        paper.put("images", row.images());
        paper.put("accuracyPercent", row.accuracyPercent());
        entry.put("paperTable1", paper);
      });
      entry.put("byScene3", byScene(d.byScene3()));
      entry.put("byScene16", byScene(d.byScene16()));
      entry.put("hierarchies", hierarchies(d.hierarchies()));
      analysisOf(d.name(), analyses).ifPresent(a -> entry.put("analysis", analysis(a)));
      datasets.add(entry);
      evaluated.add(d.name());
    }
    for (DatasetAnalysis a : analyses) {
      if (!evaluated.contains(a.dataset())) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", a.dataset());
        entry.put("analysis", analysis(a));
        datasets.add(entry);
      }
    }
    root.put("datasets", datasets);
    return root;
  }

  private static java.util.Optional<DatasetAnalysis> analysisOf(
      String dataset, List<DatasetAnalysis> analyses) {
    return analyses.stream().filter(a -> a.dataset().equals(dataset)).findFirst();
  }

  static Map<String, Object> stats(ErrorStats s) {
    DistanceThresholds t = s.thresholds();
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", s.count());
    Map<String, Object> accuracy = new LinkedHashMap<>();
    Map<String, Object> within = new LinkedHashMap<>();
    for (int i = 0; i < t.size(); i++) {
      String key = thresholdKey(t.km(i));
      accuracy.put(key, s.accuracy(i));
      within.put(key, s.withinCount(i));
    }
    m.put("accuracy", accuracy);
    m.put("withinCount", within);
    m.put("medianKm", s.medianKm());
    m.put("meanKm", s.meanKm());
    m.put("maxKm", s.maxKm());
    Map<String, Object> percentiles = new LinkedHashMap<>();
    double[] levels = ErrorStats.percentileLevels();
    double[] values = s.percentilesKm();
    for (int i = 0; i < levels.length; i++) {
      percentiles.put("p" + (int) levels[i], values[i]);
    }
    m.put("percentilesKm", percentiles);
    m.put("meanGeoScore", s.meanGeoScore());
    AccuracyCurve curve = s.accuracyCurve();
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("distanceKm", curve.distancesKm());
    c.put("accuracy", curve.accuracy());
    m.put("accuracyCurve", c);
    ErrorHistogram h = s.histogram();
    Map<String, Object> hist = new LinkedHashMap<>();
    hist.put("edgesKm", h.edgesKm());
    hist.put("counts", h.counts());
    m.put("errorHistogram", hist);
    return m;
  }

  /** "1", "25", "0.5": the threshold in km without a trailing ".0". */
  static String thresholdKey(double km) {
    return km == Math.rint(km) ? String.valueOf((long) km) : String.valueOf(km);
  }

  private static Map<String, Object> byScene(Map<Integer, ErrorStats> scenes) {
    Map<String, Object> m = new LinkedHashMap<>();
    scenes.forEach((label, s) -> m.put(String.valueOf(label), stats(s)));
    return m;
  }

  private static List<Object> hierarchies(List<HierarchyAccuracy> list) {
    List<Object> out = new ArrayList<>();
    for (HierarchyAccuracy h : list) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("hierarchy", h.hierarchy());
      m.put("labelled", h.labelled());
      m.put("correct", h.correct());
      m.put("accuracy", h.accuracy());
      out.add(m);
    }
    return out;
  }

  static Map<String, Object> analysis(DatasetAnalysis a) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cityRadiusKm", a.radiusKm());
    m.put("images", a.images());
    m.put("assignedImages", a.assignedImages());
    m.put("unassignedImages", a.unassignedImages());
    m.put("citiesWithImages", a.citiesWithImages());
    m.put("gini", a.gini());
    OptionalDouble paper = PaperResults.gini(a.dataset());
    m.put("paperGini", paper.isPresent() ? paper.getAsDouble() : null);
    List<Object> top = new ArrayList<>();
    for (CityCount c : a.topCities()) {
      Map<String, Object> city = new LinkedHashMap<>();
      city.put("city", c.city().name());
      city.put("iso2", c.city().iso2());
      city.put("lat", c.city().latDegrees());
      city.put("lon", c.city().lonDegrees());
      city.put("images", c.images());
      top.add(city);
    }
    m.put("topCities", top);
    if (a.lorenzCurve() != null) {
      Map<String, Object> lorenz = new LinkedHashMap<>();
      lorenz.put("cityShare", a.lorenzCurve().populationShare());
      lorenz.put("imageShare", a.lorenzCurve().amountShare());
      m.put("lorenzCurve", lorenz);
    }
    return m;
  }
}
