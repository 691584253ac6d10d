package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.io.IOException;
import java.nio.file.Path;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.ErrorHistogram;
import org.geodecoder.eval.EvaluationResult;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Distribution of the errors in log-spaced bins (five per decade), as step outlines, one per
 * dataset, each normalised to % of that dataset's images so datasets of any size compare. The
 * first bin [0, 0.1] km (exact hits) is drawn one bin-width left of 0.1 km, as the log axis has
 * no 0.
 */
public final class ErrorHistogramChart {
  private ErrorHistogramChart() {}

  /** Width and height of the PNG in pixels. */
  public static int[] size() {
    return new int[] {Charts.WIDTH, Charts.HEIGHT};
  }

  public static void render(EvaluationResult result, Path png) throws IOException {
    XYChart chart = Charts.newXyChart("Distribution of geolocation errors",
        "Error (great-circle km, log-spaced bins; leftmost bin = 0–0.1 km)",
        "Images in bin (% of dataset)");
    chart.getStyler().setXAxisLogarithmic(true);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    chart.getStyler().setXAxisDecimalPattern("#,##0.##");
    int colour = 0;
    for (DatasetEvaluation d : result.datasets()) {
      ErrorHistogram h = d.overall().histogram();
      double[] edges = h.edgesKm();
      long[] counts = h.counts();
      double total = h.total();
      // bin 0 is [0, edges[1]]: draw it over (edges[1]^2 / edges[2], edges[1]]
      edges[0] = edges[1] * edges[1] / edges[2];
      double[] x = new double[2 * counts.length];
      double[] y = new double[2 * counts.length];
      for (int i = 0; i < counts.length; i++) {
        double share = 100 * counts[i] / total;
        x[2 * i] = edges[i];
        x[2 * i + 1] = edges[i + 1];
        y[2 * i] = share;
        y[2 * i + 1] = share;
      }
      XYSeries s = chart.addSeries(
          String.format("%s (n = %,d)", d.name(), d.overall().count()), x, y);
      s.setLineColor(Palette.series(colour++));
      s.setLineStyle(new BasicStroke(2.2f));
      s.setMarker(SeriesMarkers.NONE);
    }
    Charts.write(chart, png);
  }
}
