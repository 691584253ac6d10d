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
 * with its running mean), {@code loss-terms.png} (the running mean of each hierarchy's and the
 * scene's cross-entropy), {@code learning-rate.png}, {@code throughput.png} (samples/s),
 * {@code validation.png} (validation accuracy at each distance threshold and of the cells after
 * every epoch, against the majority-class baseline), {@code median-km.png} (median error per
 * epoch), {@code report.md} (the run's facts and the per-epoch table) and {@code report.html}
 * (the same, self-contained). A chart is left out when the metrics have nothing for it. Rendering
 * needs no display.
 */
public final class TrainingReport {
  public static final String LOSS_PNG = "loss.png";
  public static final String VALIDATION_PNG = "validation.png";
  public static final String LOSS_TERMS_PNG = "loss-terms.png";
  public static final String LEARNING_RATE_PNG = "learning-rate.png";
  public static final String THROUGHPUT_PNG = "throughput.png";
  public static final String MEDIAN_KM_PNG = "median-km.png";
  /** The validation key of the majority-class baseline's accuracy on hierarchy 1. */
  public static final String BASELINE_KEY = "baseline_majority_acc_h1";
  /** Steps averaged by the running mean drawn over the raw loss. */
  static final int SMOOTHING_STEPS = 20;

  /**
   * One optimizer step.
   *
   * @param lossTerms mean cross-entropy per term (h1 … hH, scene), in order; NaN for a term without
   *     samples in the step
   * @param samplesPerSecond training throughput so far in the epoch; NaN when unknown
   */
  public record Step(int epoch, long step, double loss, double learningRate, Map<String, Double> lossTerms,
      double samplesPerSecond) {
    public Step(int epoch, long step, double loss, double learningRate) {
      this(epoch, step, loss, learningRate, Map.of(), Double.NaN);
    }
  }

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
    List<String> terms = lossTerms(steps);
    if (!terms.isEmpty()) {
      termsChart(steps, terms, directory.resolve(LOSS_TERMS_PNG));
      written.add(directory.resolve(LOSS_TERMS_PNG));
      md.append("Each term of the objective: the mean cross-entropy of each hierarchy's classes (h1 the coarsest) and of the"
          + " scene, as a running mean over ").append(SMOOTHING_STEPS).append(" steps.\n\n![Training loss per hierarchy](")
          .append(LOSS_TERMS_PNG).append(")\n\n");
    }
    if (steps.stream().anyMatch(s -> Double.isFinite(s.learningRate()))) {
      stepChart(steps, Step::learningRate, "Learning rate per step", "Learning rate", "SGD learning rate (MultiStepLR)",
          "0.#####", directory.resolve(LEARNING_RATE_PNG));
      written.add(directory.resolve(LEARNING_RATE_PNG));
      md.append("## Schedule and throughput\n\n![Learning rate per step](").append(LEARNING_RATE_PNG).append(")\n\n");
    }
    if (steps.stream().anyMatch(s -> Double.isFinite(s.samplesPerSecond()) && s.samplesPerSecond() > 0)) {
      stepChart(steps, Step::samplesPerSecond, "Training throughput", "Samples per second",
          "samples/s (all replicas, mean since the epoch began)", "#,##0.#", directory.resolve(THROUGHPUT_PNG));
      written.add(directory.resolve(THROUGHPUT_PNG));
      md.append("![Training samples per second](").append(THROUGHPUT_PNG).append(")\n\n");
    }
    List<String> accuracyKeys = accuracyKeys(epochs);
    if (!epochs.isEmpty()) {
      md.append("## Validation per epoch\n\n");
      if (!accuracyKeys.isEmpty()) {
        validationChart(epochs, accuracyKeys, directory.resolve(VALIDATION_PNG));
        written.add(directory.resolve(VALIDATION_PNG));
        md.append("![Validation accuracy per epoch](").append(VALIDATION_PNG).append(")\n\n");
        Double baseline = lastValue(epochs, BASELINE_KEY);
        if (baseline != null) {
          md.append("Majority-class baseline (always the most frequent training cell of hierarchy 1): ")
              .append(MarkdownReport.percent(baseline)).append(" % of the validation images in the right cell of h1 (black"
                  + " dash-dotted line).\n\n");
        }
      }
      if (lastValue(epochs, "median_km") != null) {
        medianChart(epochs, directory.resolve(MEDIAN_KM_PNG));
        written.add(directory.resolve(MEDIAN_KM_PNG));
        md.append("![Median validation error per epoch](").append(MEDIAN_KM_PNG).append(")\n\n");
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

  /** Step numbers of 3+ digits would run together on the axis: slanted labels then. */
  private static void stepAxis(XYChart chart, List<Step> steps) {
    long last = steps.isEmpty() ? 0 : steps.get(steps.size() - 1).step();
    chart.getStyler().setXAxisLabelRotation(last >= 100 ? 45 : 0);
  }

  /** The loss terms any step has: h1 … hH by hierarchy, then the others (scene) by name. */
  static List<String> lossTerms(List<Step> steps) {
    TreeSet<String> terms = new TreeSet<>((a, b) -> {
      boolean ha = a.matches("h\\d+");
      boolean hb = b.matches("h\\d+");
      if (ha && hb) {
        return Integer.compare(Integer.parseInt(a.substring(1)), Integer.parseInt(b.substring(1)));
      }
      return ha != hb ? (ha ? -1 : 1) : a.compareTo(b);
    });
    for (Step s : steps) {
      s.lossTerms().forEach((k, v) -> {
        if (v != null && Double.isFinite(v)) {
          terms.add(k);
        }
      });
    }
    return new ArrayList<>(terms);
  }

  private static Double lastValue(List<Epoch> epochs, String key) {
    for (int i = epochs.size() - 1; i >= 0; i--) {
      Double v = epochs.get(i).validation().get(key);
      if (v != null && Double.isFinite(v)) {
        return v;
      }
    }
    return null;
  }

  /** Running means over {@link #SMOOTHING_STEPS} of the finite values; NaN values are skipped. */
  private static void addSmoothed(XYChart chart, String name, List<Double> xs, List<Double> ys, Color colour) {
    double[] x = new double[xs.size()];
    double[] mean = new double[ys.size()];
    double window = 0;
    for (int i = 0; i < ys.size(); i++) {
      x[i] = xs.get(i);
      window += ys.get(i);
      if (i >= SMOOTHING_STEPS) {
        window -= ys.get(i - SMOOTHING_STEPS);
      }
      mean[i] = window / Math.min(i + 1, SMOOTHING_STEPS);
    }
    XYSeries s = chart.addSeries(name, x, mean);
    s.setLineColor(colour);
    s.setLineStyle(new BasicStroke(2.5f));
    s.setMarker(SeriesMarkers.NONE);
  }

  private static void termsChart(List<Step> steps, List<String> terms, Path png) throws IOException {
    XYChart chart = Charts.newXyChart("Training loss per hierarchy (running mean of " + SMOOTHING_STEPS + " steps)", "Step",
        "Cross-entropy (nats)");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    stepAxis(chart, steps);
    int colour = 0;
    for (String term : terms) {
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      for (Step s : steps) {
        Double v = s.lossTerms().get(term);
        if (v != null && Double.isFinite(v)) {
          xs.add((double) s.step());
          ys.add(v);
        }
      }
      addSmoothed(chart, term.equals("scene") ? "scene" : "hierarchy " + term.substring(1), xs, ys, Palette.series(colour++));
    }
    Charts.write(chart, png);
  }

  private static void stepChart(List<Step> steps, java.util.function.ToDoubleFunction<Step> value, String title, String yTitle,
      String series, String yPattern, Path png) throws IOException {
    XYChart chart = Charts.newXyChart(title, "Step", yTitle);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideSE); // the curves start high: keep the corner free
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    stepAxis(chart, steps);
    chart.getStyler().setYAxisDecimalPattern(yPattern);
    chart.getStyler().setYAxisTickMarkSpacingHint(60);
    chart.getStyler().setYAxisMin(0.0);
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    double max = 0;
    for (Step s : steps) {
      double v = value.applyAsDouble(s);
      if (Double.isFinite(v)) {
        xs.add((double) s.step());
        ys.add(v);
        max = Math.max(max, v);
      }
    }
    chart.getStyler().setYAxisMax(max > 0 ? max * 1.15 : 1.0); // a flat schedule stays off the frame
    XYSeries s = chart.addSeries(series, xs, ys);
    s.setLineColor(Palette.series(0));
    s.setLineStyle(new BasicStroke(2.5f));
    s.setMarker(SeriesMarkers.NONE);
    Charts.write(chart, png);
  }

  private static void medianChart(List<Epoch> epochs, Path png) throws IOException {
    XYChart chart = Charts.newXyChart("Median validation error after each epoch", "Epoch", "Median error (km)");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setYAxisDecimalPattern("#,##0");
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setXAxisMin(0.5);
    chart.getStyler().setXAxisMax(epochs.get(epochs.size() - 1).epoch() + 0.5);
    List<Double> xs = new ArrayList<>();
    List<Double> ys = new ArrayList<>();
    for (Epoch e : epochs) {
      Double v = e.validation().get("median_km");
      if (v != null && Double.isFinite(v)) {
        xs.add((double) e.epoch());
        ys.add(v);
      }
    }
    chart.getStyler().setYAxisMax(1.15 * ys.stream().mapToDouble(Double::doubleValue).max().orElse(1)); // room for the legend
    XYSeries s = chart.addSeries("median great-circle error", xs, ys);
    s.setLineColor(Palette.series(0));
    s.setMarkerColor(Palette.series(0));
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setLineStyle(new BasicStroke(2.5f));
    Charts.write(chart, png);
  }

  private static void lossChart(List<Step> allSteps, Path png) throws IOException {
    // A step whose loss was not finite (the run stopped there) has no point on the plot.
    List<Step> steps = allSteps.stream().filter(s -> Double.isFinite(s.loss())).toList();

    XYChart chart = Charts.newXyChart("Training loss per step", "Step", "Loss");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
    chart.getStyler().setXAxisDecimalPattern("#,##0");
    stepAxis(chart, steps);
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
    Double base = lastValue(epochs, BASELINE_KEY);
    top = base == null ? top : Math.max(top, 100 * base);
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
    Double baseline = lastValue(epochs, BASELINE_KEY);
    if (baseline != null) {
      // The baseline does not change with the epochs: a flat line across the plot.
      XYSeries b = chart.addSeries("baseline: majority cell, h1", new double[] {0.5, epochs.get(epochs.size() - 1).epoch() + 0.5},
          new double[] {100 * baseline, 100 * baseline});
      b.setLineColor(Color.BLACK);
      b.setMarker(SeriesMarkers.NONE);
      b.setLineStyle(new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {14f, 5f, 3f, 5f}, 0f));
    }
    Charts.write(chart, png);
  }
}
