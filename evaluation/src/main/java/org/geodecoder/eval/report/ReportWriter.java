package org.geodecoder.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a complete evaluation report into one directory: {@code metrics.json}, {@code
 * report.md}, {@code report.html} (the same, self-contained: {@link HtmlReport}), {@code
 * accuracy-curve.png}, {@code error-histogram.png}, {@code
 * error-map-<dataset>.png} per evaluated dataset, and, for analysed datasets, {@code
 * lorenz-curve.png} and {@code density-<dataset>.png}. Existing files of these names are
 * replaced. Rendering needs no display ({@code java.awt.headless} is set if unset).
 */
public final class ReportWriter {
  private static final Logger LOG = LoggerFactory.getLogger(ReportWriter.class);

  public static final String METRICS_JSON = "metrics.json";
  public static final String REPORT_MD = "report.md";
  public static final String ACCURACY_CURVE_PNG = "accuracy-curve.png";
  public static final String ERROR_HISTOGRAM_PNG = "error-histogram.png";
  public static final String LORENZ_CURVE_PNG = "lorenz-curve.png";

  private ReportWriter() {}

  /** Writes the report with the paper's Table 1 rows for comparison. */
  public static List<Path> write(
      Path directory, EvaluationResult result, List<DatasetAnalysis> analyses) throws IOException {
    return write(directory, result, analyses, true);
  }

  /**
   * Writes the report.
   *
   * @param paperComparison whether to add the paper's Table 1 rows to {@code report.md} and
   *     overlay them on the accuracy curve (only done at the paper's thresholds)
   * @return the files written, in order
   * @throws IllegalArgumentException when an argument is null
   */
  public static List<Path> write(
      Path directory,
      EvaluationResult result,
      List<DatasetAnalysis> analyses,
      boolean paperComparison)
      throws IOException {
    return write(directory, result, analyses, paperComparison, SceneNames.none());
  }

  /**
   * Writes the report, with scene names in its scene tables.
   *
   * @param sceneNames names of the S3 / S16 scene labels ({@link SceneNames#none()}: numbers)
   */
  public static List<Path> write(
      Path directory,
      EvaluationResult result,
      List<DatasetAnalysis> analyses,
      boolean paperComparison,
      SceneNames sceneNames)
      throws IOException {
    if (directory == null || result == null || analyses == null || sceneNames == null) {
      throw new IllegalArgumentException("directory, result, analyses and sceneNames must be set");
    }
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // Spark drivers have no display
    }
    Files.createDirectories(directory);
    List<Path> written = new ArrayList<>();
    Map<String, String> plots = new LinkedHashMap<>();
    Set<String> usedNames = new HashSet<>();

    if (!result.datasets().isEmpty()) {
      AccuracyCurveChart.render(result, paperComparison, directory.resolve(ACCURACY_CURVE_PNG));
      written.add(directory.resolve(ACCURACY_CURVE_PNG));
      plots.put(ACCURACY_CURVE_PNG, "Accuracy vs distance");
      ErrorHistogramChart.render(result, directory.resolve(ERROR_HISTOGRAM_PNG));
      written.add(directory.resolve(ERROR_HISTOGRAM_PNG));
      plots.put(ERROR_HISTOGRAM_PNG, "Error histogram");
      for (DatasetEvaluation d : result.datasets()) {
        String file = uniqueName("error-map-" + slug(d.name()), usedNames);
        ErrorMap.render(d, directory.resolve(file));
        written.add(directory.resolve(file));
        plots.put(file, "Errors on the map: " + d.name());
      }
    }
    if (analyses.stream().anyMatch(a -> a.lorenzCurve() != null)) {
      LorenzChart.render(analyses, directory.resolve(LORENZ_CURVE_PNG));
      written.add(directory.resolve(LORENZ_CURVE_PNG));
      plots.put(LORENZ_CURVE_PNG, "Lorenz curve of images per city");
    }
    for (DatasetAnalysis a : analyses) {
      String file = uniqueName("density-" + slug(a.dataset()), usedNames);
      DensityMap.render(a, directory.resolve(file));
      written.add(directory.resolve(file));
      plots.put(file, "Image density: " + a.dataset());
    }

    Path json = directory.resolve(METRICS_JSON);
    Files.writeString(json, MetricsJson.toJson(result, analyses), StandardCharsets.UTF_8);
    written.add(json);
    Path md = directory.resolve(REPORT_MD);
    Files.writeString(md, MarkdownReport.render(result, analyses, paperComparison, plots, sceneNames),
        StandardCharsets.UTF_8);
    written.add(md);
    written.add(HtmlReport.writeBeside(md));
    LOG.info("Wrote evaluation report for {} dataset(s) and {} analysis(es) to {}: {}",
        result.datasets().size(), analyses.size(), directory, written.size() + " files");
    return written;
  }

  /** A file-name-safe form of a dataset name: lower case, runs of other characters as '-'. */
  static String slug(String name) {
    String s = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-|-$", "");
    return s.isEmpty() ? "dataset" : s;
  }

  private static String uniqueName(String base, Set<String> used) {
    String name = base + ".png";
    for (int k = 2; !used.add(name); k++) {
      name = base + "-" + k + ".png";
    }
    return name;
  }
}
