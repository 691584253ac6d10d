package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * A training run's report from its metrics: {@code loss.png} (the training loss of every step,
 * with its running mean), {@code validation.png} (validation accuracy at each distance threshold
 * after every epoch), {@code report.md} (the run's facts and the per-epoch table) and
 * {@code report.html} (the same, self-contained). Rendering needs no display.
 */
public final class TrainingReport {
  public static final String LOSS_PNG = "loss.png";
  public static final String VALIDATION_PNG = "validation.png";
  /** Steps averaged by the running mean drawn over the raw loss. */
  static final int SMOOTHING_STEPS = 20;

  /** One optimizer step. */
  public record Step(int epoch, long step, double loss, double learningRate) {}

  /**
   * One finished epoch.
   *
   * @param validation the validation figures by key (acc_1km … acc_2500km as fractions, median_km,
   *     acc_class_h1 …), empty without a validation split
   */
  public record Epoch(int epoch, long step, double seconds, Map<String, Double> validation) {}

  private TrainingReport() {}

  /**
   * Writes the report into {@code directory}.
   *
   * @param facts what the run was, in order (model, data, schedule …)
   * @return the files written, in order
   */
  public static List<Path> write(Path directory, Map<String, String> facts, List<Step> steps, List<Epoch> epochs)
      throws IOException {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
    Files.createDirectories(directory);
    List<Path> written = new ArrayList<>();
    StringBuilder md = new StringBuilder("# Training run\n\n| Setting | Value |\n|---|---|\n");
    facts.forEach((k, v) -> md.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
    md.append("| Steps logged | ").append(steps.size()).append(" |\n| Epochs finished | ").append(epochs.size())
        .append(" |\n\n");
    if (steps.stream().anyMatch(s -> Double.isFinite(s.loss()))) {
      lossChart(steps, directory.resolve(LOSS_PNG));
      written.add(directory.resolve(LOSS_PNG));
      md.append("## Training loss\n\nThe objective of each step (sum of the hierarchies' and the scene's cross-entropy),"
          + " and its running mean over ").append(SMOOTHING_STEPS).append(" steps.\n\n![Training loss per step](")
          .append(LOSS_PNG).append(")\n\n");
    }
    List<String> accuracyKeys = accuracyKeys(epochs);
    if (!epochs.isEmpty()) {
      md.append("## Validation per epoch\n\n");
      if (!accuracyKeys.isEmpty()) {
        validationChart(epochs, accuracyKeys, directory.resolve(VALIDATION_PNG));
        written.add(directory.resolve(VALIDATION_PNG));
        md.append("![Validation accuracy per epoch](").append(VALIDATION_PNG).append(")\n\n");
      }
      md.append("| Epoch | Step | Seconds |");
      for (String k : accuracyKeys) {
        md.append(' ').append(label(k)).append(" |");
      }
      md.append(" Median km |\n|---:|---:|---:|").append("---:|".repeat(accuracyKeys.size() + 1)).append('\n');
      for (Epoch e : epochs) {
        md.append("| ").append(e.epoch()).append(" | ").append(e.step()).append(" | ")
            .append(String.format(Locale.ROOT, "%.0f", e.seconds())).append(" |");
        for (String k : accuracyKeys) {
          Double v = e.validation().get(k);
          md.append(' ').append(v == null ? "–" : MarkdownReport.percent(v)).append(" |");
        }
        Double median = e.validation().get("median_km");
        md.append(' ').append(median == null ? "–" : MarkdownReport.km(median)).append(" |\n");
      }
      md.append("\nAccuracies in % of the validation images: within the distance (km), or the right cell of "
          + "hierarchy h (class hN).\n");
    }
    Path report = directory.resolve(ReportWriter.REPORT_MD);
    Files.writeString(report, md.toString(), StandardCharsets.UTF_8);
    written.add(report);
    written.add(HtmlReport.writeBeside(report));
    return written;
  }

  /** The validation keys to plot and tabulate: distance accuracies by distance, then cell accuracies. */
  static List<String> accuracyKeys(List<Epoch> epochs) {
    TreeSet<String> keys = new TreeSet<>((a, b) -> {
      boolean ca = a.startsWith("acc_class_h");
      boolean cb = b.startsWith("acc_class_h");
      if (ca != cb) {
        return ca ? 1 : -1;
      }
      return Double.compare(order(a), order(b));
    });
    for (Epoch e : epochs) {
      for (String k : e.validation().keySet()) {
        if (k.startsWith("acc_") && !k.startsWith("acc_baseline")) {
          keys.add(k);
        }
      }
    }
    return new ArrayList<>(keys);
  }

  private static double order(String key) {
    String digits = key.replaceAll("[^0-9.]", "");
    try {
      return Double.parseDouble(digits);
    } catch (NumberFormatException e) {
      return Double.MAX_VALUE;
    }
  }

  /** acc_25km → "25 km", acc_class_h2 → "class h2". */
  static String label(String key) {
    if (key.startsWith("acc_class_")) {
      return "class " + key.substring("acc_class_".length());
    }
    String s = key.substring("acc_".length());
    return s.endsWith("km") ? s.substring(0, s.length() - 2) + " km" : s;
  }

  private static void lossChart(List<Step> allSteps, Path png) throws IOException {
    // A step whose loss was not finite (the run stopped there) has no point on the plot.
    List<Step> steps = allSteps.stream().filter(s -> Double.isFinite(s.loss())).toList();

    XYChart chart = Charts.newXyChart("Training loss per step", "Step", "Loss");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    double[] x = new double[steps.size()];
    double[] y = new double[steps.size()];
    double[] mean = new double[steps.size()];
    double window = 0;
    for (int i = 0; i < steps.size(); i++) {
      x[i] = steps.get(i).step();
      y[i] = steps.get(i).loss();
      window += y[i];
      if (i >= SMOOTHING_STEPS) {
        window -= y[i - SMOOTHING_STEPS];
      }
      mean[i] = window / Math.min(i + 1, SMOOTHING_STEPS);
    }
    XYSeries raw = chart.addSeries("loss of the step", x, y);
    raw.setLineColor(new Color(0xa6c8e6));
    raw.setLineStyle(new BasicStroke(1.2f));
    raw.setMarker(SeriesMarkers.NONE);
    XYSeries smooth = chart.addSeries("running mean (" + SMOOTHING_STEPS + " steps)", x, mean);
    smooth.setLineColor(Palette.series(0));
    smooth.setLineStyle(new BasicStroke(2.5f));
    smooth.setMarker(SeriesMarkers.NONE);
    Charts.write(chart, png);
  }

  private static void validationChart(List<Epoch> epochs, List<String> keys, Path png) throws IOException {
    XYChart chart = Charts.newXyChart("Validation accuracy after each epoch", "Epoch", "Validation images (%)");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    // The axis ends a little above the best value (early runs sit near 0 %, where 0–100 would flatten them).
    double top = 0;
    for (Epoch e : epochs) {
      for (String k : keys) {
        Double v = e.validation().get(k);
        top = v == null || v.isNaN() ? top : Math.max(top, 100 * v);
      }
    }
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(Math.min(100.0, Math.max(10.0, Math.ceil((top + 5) / 10) * 10)));
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setXAxisMin(0.5);
    chart.getStyler().setXAxisMax(epochs.get(epochs.size() - 1).epoch() + 0.5);
    int colour = 0;
    for (String k : keys) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Epoch e : epochs) {
        Double v = e.validation().get(k);
        if (v != null && !v.isNaN()) {
          xs.add((double) e.epoch());
          ys.add(100 * v);
        }
      }
      if (xs.isEmpty()) {
        continue;
      }
      boolean cell = k.startsWith("acc_class_");
      XYSeries s = chart.addSeries(cell ? "right cell, " + label(k).replace("class ", "") : "within " + label(k), xs, ys);
      Color c = Palette.series(colour++);
      s.setLineColor(c);
      s.setMarkerColor(c);
      s.setMarker(cell ? SeriesMarkers.DIAMOND : SeriesMarkers.CIRCLE);
      s.setLineStyle(cell ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          new float[] {6f, 4f}, 0f) : new BasicStroke(2.5f));
    }
    Charts.write(chart, png);
  }
}
