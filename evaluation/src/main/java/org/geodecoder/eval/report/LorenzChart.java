package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import org.geodecoder.eval.PaperResults;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.eval.analysis.LorenzCurve;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Lorenz curves of images per city, one per dataset, with each Gini coefficient (and the
 * paper's, where the supplement gives one) in the legend, and the line of perfect equality.
 */
public final class LorenzChart {
  private LorenzChart() {}

  /** Width and height of the PNG in pixels. */
  public static int[] size() {
    return new int[] {Charts.WIDTH, Charts.HEIGHT};
  }

  public static void render(List<DatasetAnalysis> analyses, Path png) throws IOException {
    XYChart chart = Charts.newXyChart("Lorenz curve of images per city",
        "Cities, fewest images first (cumulative %)", "Images (cumulative %)");
    chart.getStyler().setXAxisMin(0.0);
    chart.getStyler().setXAxisMax(100.0);
    chart.getStyler().setYAxisMin(0.0);
    chart.getStyler().setYAxisMax(100.0);
    chart.getStyler().setXAxisDecimalPattern("0");
    chart.getStyler().setYAxisDecimalPattern("0");
    chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
    XYSeries equality = chart.addSeries("Perfect equality (Gini 0)",
        new double[] {0, 100}, new double[] {0, 100});
    equality.setLineColor(Color.GRAY);
    equality.setLineStyle(SeriesLines.DASH_DASH);
    equality.setMarker(SeriesMarkers.NONE);
    int colour = 0;
    for (DatasetAnalysis a : analyses) {
      LorenzCurve curve = a.lorenzCurve();
      if (curve == null) {
        continue;
      }
      double[] x = curve.populationShare();
      double[] y = curve.amountShare();
      for (int i = 0; i < x.length; i++) {
        x[i] *= 100;
        y[i] *= 100;
      }
      OptionalDouble paper = PaperResults.gini(a.dataset());
      String label = String.format(Locale.ROOT, "%s: Gini %.3f (%,d cities)",
          a.dataset(), a.gini(), a.citiesWithImages())
          + (paper.isPresent() ? String.format(Locale.ROOT, ", paper %.2f", paper.getAsDouble())
              : "");
      XYSeries s = chart.addSeries(label, x, y);
      s.setLineColor(Palette.series(colour++));
      s.setLineStyle(new BasicStroke(2.5f));
      s.setMarker(SeriesMarkers.NONE);
    }
    Charts.write(chart, png);
  }
}
