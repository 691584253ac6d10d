package org.geodecoder.eval.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.eval.analysis.DensityGrid;

/**
 * Heat map of where a dataset's images are: images per 1° × 1° cell on a logarithmic colour
 * scale (empty cells left blank), over the world outline, with a colour bar.
 */
public final class DensityMap {
  private DensityMap() {}

  /** Width and height of the PNG in pixels. */
  public static int[] size() {
    return new int[] {MapCanvas.WIDTH, MapCanvas.HEIGHT};
  }

  public static void render(DatasetAnalysis analysis, Path png) throws IOException {
    DensityGrid grid = analysis.density();
    MapCanvas canvas = new MapCanvas(String.format(Locale.ROOT,
        "Image density: %s (%,d images, 1° cells, log scale)", analysis.dataset(), grid.total()));
    canvas.drawLand();
    canvas.drawGraticule();
    double logMax = Math.log10(Math.max(10, grid.max()));
    double cell = MapCanvas.MAP_WIDTH / 360.0;
    for (int row = 0; row < DensityGrid.ROWS; row++) {
      for (int col = 0; col < DensityGrid.COLS; col++) {
        long count = grid.count(row, col);
        if (count > 0) {
          canvas.g.setColor(Palette.sequential(0.15 + 0.85 * Math.log10(count) / logMax));
          // row 0 is the southernmost band: its top edge is latitude -89
          canvas.g.fill(new Rectangle2D.Double(
              canvas.x(col - 180), canvas.y(row - 89), cell, cell));
        }
      }
    }
    canvas.drawCoastlines();
    drawColourBar(canvas, logMax);
    canvas.write(png);
  }

  private static void drawColourBar(MapCanvas canvas, double logMax) {
    int top = canvas.legendTop();
    canvas.g.setColor(Color.BLACK);
    canvas.g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
    canvas.g.drawString("Images per 1° × 1° cell", MapCanvas.LEFT, top);
    int x0 = MapCanvas.LEFT;
    int width = 700;
    int y = top + 12;
    for (int i = 0; i < width; i++) {
      canvas.g.setColor(Palette.sequential(0.15 + 0.85 * i / (double) (width - 1)));
      canvas.g.fillRect(x0 + i, y, 1, 22);
    }
    canvas.g.setColor(Color.GRAY);
    canvas.g.drawRect(x0, y, width, 22);
    canvas.g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    FontMetrics m = canvas.g.getFontMetrics();
    canvas.g.setColor(Color.BLACK);
    int lastLabelRight = Integer.MIN_VALUE;
    for (int decade = 0; decade <= (int) Math.floor(logMax); decade++) {
      int px = x0 + (int) Math.round(decade / logMax * (width - 1));
      String label = String.format(Locale.ROOT, "%,d", (long) Math.pow(10, decade));
      tick(canvas, m, px, y, label);
      lastLabelRight = px + m.stringWidth(label) / 2;
    }
    // The top of the scale: the fullest cell (or 10 when every cell holds fewer).
    String maxLabel = String.format(Locale.ROOT, "%,d", Math.round(Math.pow(10, logMax)));
    int px = x0 + width - 1;
    if (px - m.stringWidth(maxLabel) / 2 > lastLabelRight + 8) {
      tick(canvas, m, px, y, maxLabel);
    }
  }

  private static void tick(MapCanvas canvas, FontMetrics m, int px, int y, String label) {
    canvas.g.drawLine(px, y + 22, px, y + 28);
    canvas.g.drawString(label, px - m.stringWidth(label) / 2, y + 44);
  }
}
