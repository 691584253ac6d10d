package org.geodecoder.eval.report;

import java.awt.AlphaComposite;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.geom.Ellipse2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.ErrorSample;

/**
 * World map of the true locations of (a uniform sample of) a dataset's images, coloured by the
 * error of their prediction in the paper's bands (≤ 1, 25, 200, 750, 2500 km, beyond). Large
 * errors are drawn first so the well-localised images stay visible on top.
 */
public final class ErrorMap {
  private ErrorMap() {}

  /** Width and height of the PNG in pixels. */
  public static int[] size() {
    return new int[] {MapCanvas.WIDTH, MapCanvas.HEIGHT};
  }

  public static void render(DatasetEvaluation dataset, Path png) throws IOException {
    ErrorSample sample = dataset.mapSample();
    long totalImages = dataset.overall().count();
    DistanceThresholds bands = DistanceThresholds.PAPER;
    String shown = sample.size() < totalImages
        ? String.format(Locale.ROOT, "%,d of %,d images, uniform sample", sample.size(), totalImages)
        : String.format(Locale.ROOT, "%,d images", sample.size());
    MapCanvas canvas = new MapCanvas(
        "Prediction error at the true location: " + dataset.name() + " (" + shown + ")");
    canvas.drawLand();
    canvas.drawGraticule();
    canvas.drawCoastlines();

    int[] bandOf = new int[sample.size()];
    long[] perBand = new long[bands.size() + 1];
    for (int i = 0; i < sample.size(); i++) {
      int band = bands.size();
      for (int b = 0; b < bands.size(); b++) {
        if (sample.errorKm(i) <= bands.km(b)) {
          band = b;
          break;
        }
      }
      bandOf[i] = band;
      perBand[band]++;
    }
    double radius = sample.size() > 5000 ? 2.5 : 3.5;
    canvas.g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, 0.85f));
    for (int band = bands.size(); band >= 0; band--) {
      canvas.g.setColor(Palette.ERROR_BANDS[band]);
      for (int i = 0; i < sample.size(); i++) {
        if (bandOf[i] == band) {
          double px = canvas.x(sample.trueLonDegrees(i));
          double py = canvas.y(sample.trueLatDegrees(i));
          canvas.g.fill(new Ellipse2D.Double(px - radius, py - radius, 2 * radius, 2 * radius));
        }
      }
    }
    canvas.g.setComposite(AlphaComposite.SrcOver);
    drawLegend(canvas, bands, perBand, sample.size());
    canvas.write(png);
  }

  private static void drawLegend(
      MapCanvas canvas, DistanceThresholds bands, long[] perBand, int total) {
    int top = canvas.legendTop();
    canvas.g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    canvas.g.setColor(Color.BLACK);
    canvas.g.drawString("Error of the prediction (great-circle km), share of plotted images:",
        MapCanvas.LEFT, top);
    canvas.g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
    FontMetrics m = canvas.g.getFontMetrics();
    int x = MapCanvas.LEFT;
    int y = top + 30;
    for (int band = 0; band <= bands.size(); band++) {
      String label = band < bands.size()
          ? (band == 0 ? "≤ " : DistanceThresholds.formatKm(bands.km(band - 1)).replace(" km", "")
              + "–") + DistanceThresholds.formatKm(bands.km(band))
          : "> " + DistanceThresholds.formatKm(bands.km(bands.size() - 1));
      label += String.format(Locale.ROOT, " (%.1f%%)", total == 0 ? 0 : 100.0 * perBand[band] / total);
      canvas.g.setColor(Palette.ERROR_BANDS[band]);
      canvas.g.fillOval(x, y - 13, 16, 16);
      canvas.g.setColor(Color.BLACK);
      canvas.g.drawString(label, x + 24, y);
      x += 24 + m.stringWidth(label) + 40;
    }
  }
}
