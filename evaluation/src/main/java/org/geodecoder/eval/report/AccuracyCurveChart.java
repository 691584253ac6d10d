package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.geodecoder.eval.AccuracyCurve;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.PaperResults;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Accuracy (% of images within d) against the distance d on a log axis, one line per dataset,
 * dotted verticals at the reporting thresholds; the paper's Table 1 accuracies of the same
 * dataset (when known) overlaid as dashed lines with markers in the same colour.
 */
public final class AccuracyCurveChart {
  private static final double MIN_KM = 0.1;
  private static final double MAX_KM = 20_000;

  private AccuracyCurveChart() {}

  /** Width and height of the PNG in pixels. */
  public static int[] size() {
    return new int[] {Charts.WIDTH, Charts.HEIGHT};
  }

  public static void render(EvaluationResult result, boolean overlayPaper, Path png)
      throws IOException {
    XYChart chart = Charts.newXyChart("Geolocation accuracy vs distance",
        "Distance d (great-circle km, log scale)", "Images within d of the truth (%)");
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setXAxisMin(MIN_KM);
    chart.getStyler().setXAxisMax(MAX_KM);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(100.0);
    chart.getStyler().setYAxisDecimalPattern("0");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setXAxisDecimalPattern("#,##0.#");

    int colour = 0;
    for (DatasetEvaluation d : result.datasets()) {
      Color c = Palette.series(colour++);
      AccuracyCurve curve = d.overall().accuracyCurve();
      double[] x = curve.distancesKm();
      double[] y = curve.accuracy();
      int n = 0;
      for (int i = 0; i < x.length && x[i] <= MAX_KM; i++) {
        n++;
      }
      double[] xs = new double[n];
      double[] ys = new double[n];
      for (int i = 0; i < n; i++) {
        xs[i] = x[i];
        ys[i] = 100 * y[i];
      }
      XYSeries s = chart.addSeries(
          String.format("%s (n = %,d)", d.name(), d.overall().count()), xs, ys);
      s.setLineColor(c);
      s.setLineStyle(new BasicStroke(2.5f));
      s.setMarker(SeriesMarkers.NONE);
      Optional<PaperResults.Table1Row> paper = overlayPaper
          && result.thresholds().equals(DistanceThresholds.PAPER)
          ? PaperResults.table1Row(d.name()) : Optional.empty();
      if (paper.isPresent()) {
        XYSeries p = chart.addSeries("Paper (Table 1): " + paper.get().dataset(),
            DistanceThresholds.PAPER.toArray(), paper.get().accuracyPercent());
        p.setLineColor(c);
        p.setMarkerColor(c);
        p.setLineStyle(SeriesLines.DASH_DASH);
        p.setMarker(SeriesMarkers.DIAMOND);
      }
    }
    for (int i = 0; i < result.thresholds().size(); i++) {
      chart.addAnnotation(new AnnotationLine(result.thresholds().km(i), true, false));
    }
    chart.getStyler().setAnnotationLineColor(new Color(0x999999));
    chart.getStyler().setAnnotationLineStroke(new BasicStroke(1f, BasicStroke.CAP_BUTT,
        BasicStroke.JOIN_MITER, 10f, new float[] {3f, 4f}, 0f));
    Charts.write(chart, png);
  }
}
