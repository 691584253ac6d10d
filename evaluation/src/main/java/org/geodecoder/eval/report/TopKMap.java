package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * A small equirectangular world map of one image's top-k predicted cells: a disc at each cell's
 * location (the class's mean training location, the point the model predicts for that cell),
 * coloured by its probability relative to the best cell and numbered by rank; the true location
 * as a green cross with a line to the best cell and the error in km. A colour bar below gives
 * the probability scale.
 */
public final class TopKMap {
  static final int LEGEND_HEIGHT = 58;
  static final double MARKER_RADIUS = 7;
  static final Color TRUTH = new Color(0x00a651);

  /** One predicted cell. */
  public record Cell(double latDegrees, double lonDegrees, double probability) {}

  /**
   * The map and where it drew the markers (pixel centres), for checks.
   *
   * @param markers one per cell, in the order given
   * @param truth the true location's pixel, null when unknown
   */
  public record Rendered(BufferedImage image, List<Point2D> markers, Point2D truth) {}

  private TopKMap() {}

  /**
   * @param width of the map in pixels (its height is width / 2, plus the legend band)
   * @param cells best first
   * @param trueLatDegrees NaN when unknown (then trueLon is ignored)
   */
  public static Rendered render(int width, List<Cell> cells, double trueLatDegrees, double trueLonDegrees) {
    int mapHeight = width / 2;
    BufferedImage image = new BufferedImage(width, mapHeight + LEGEND_HEIGHT, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, image.getHeight());
    g.setColor(Palette.OCEAN);
    g.fillRect(0, 0, width, mapHeight);
    g.setColor(Palette.LAND);
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.fill(path(ring, width, mapHeight));
    }
    g.setColor(Palette.GRID);
    g.setStroke(new BasicStroke(0.5f));
    for (int lon = -150; lon < 180; lon += 30) {
      g.draw(new Line2D.Double(x(lon, width), 0, x(lon, width), mapHeight));
    }
    for (int lat = -60; lat <= 60; lat += 30) {
      g.draw(new Line2D.Double(0, y(lat, mapHeight), width, y(lat, mapHeight)));
    }
    g.setColor(Palette.COAST);
    g.setStroke(new BasicStroke(0.6f));
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.draw(path(ring, width, mapHeight));
    }
    g.setColor(Color.GRAY);
    g.drawRect(0, 0, width - 1, mapHeight - 1);

    double best = cells.stream().mapToDouble(Cell::probability).max().orElse(1);
    List<Point2D> markers = new ArrayList<>();
    for (Cell c : cells) {
      markers.add(new Point2D.Double(x(c.lonDegrees(), width), y(c.latDegrees(), mapHeight)));
    }
    Point2D truth = Double.isNaN(trueLatDegrees) ? null
        : new Point2D.Double(x(trueLonDegrees, width), y(trueLatDegrees, mapHeight));
    if (truth != null && !markers.isEmpty()) {
      g.setColor(TRUTH);
      g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1, new float[] {5, 4}, 0));
      g.draw(new Line2D.Double(markers.get(0), truth));
    }
    // Least probable first, so the best cell is drawn on top.
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < cells.size(); i++) {
      order.add(i);
    }
    order.sort(Comparator.comparingDouble((Integer i) -> cells.get(i).probability()).thenComparing(i -> -i));
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 11));
    FontMetrics m = g.getFontMetrics();
    for (int i : order) {
      Point2D p = markers.get(i);
      double r = MARKER_RADIUS;
      g.setColor(markerColour(cells.get(i).probability(), best));
      g.fill(new Ellipse2D.Double(p.getX() - r, p.getY() - r, 2 * r, 2 * r));
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1f));
      g.draw(new Ellipse2D.Double(p.getX() - r, p.getY() - r, 2 * r, 2 * r));
      String rank = String.valueOf(i + 1);
      g.drawString(rank, (float) (p.getX() + r + 1), (float) (p.getY() - r + m.getAscent() - 4));
    }
    if (truth != null) {
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(5f));
      drawCross(g, truth);
      g.setColor(TRUTH);
      g.setStroke(new BasicStroke(3f));
      drawCross(g, truth);
    }
    drawLegend(g, width, mapHeight, best, truth != null);
    g.dispose();
    return new Rendered(image, List.copyOf(markers), truth);
  }

  /** The marker colour of a cell: the sequential scale at its probability / the best one's. */
  static Color markerColour(double probability, double best) {
    return Palette.sequential(0.2 + 0.8 * (best <= 0 ? 0 : probability / best));
  }

  private static void drawCross(Graphics2D g, Point2D p) {
    double s = 7;
    g.draw(new Line2D.Double(p.getX() - s, p.getY() - s, p.getX() + s, p.getY() + s));
    g.draw(new Line2D.Double(p.getX() - s, p.getY() + s, p.getX() + s, p.getY() - s));
  }

  private static void drawLegend(Graphics2D g, int width, int top, double best, boolean truth) {
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
    FontMetrics m = g.getFontMetrics();
    int y = top + 22;
    g.setColor(Color.BLACK);
    String label = "Probability:";
    g.drawString(label, 4, y);
    int x0 = 4 + m.stringWidth(label) + 8;
    int barWidth = Math.min(200, width / 3);
    for (int i = 0; i < barWidth; i++) {
      g.setColor(markerColour(best * i / (barWidth - 1.0), best));
      g.fillRect(x0 + i, y - 12, 1, 14);
    }
    g.setColor(Color.BLACK);
    g.drawRect(x0, y - 12, barWidth, 14);
    String lo = "0";
    String hi = String.format(Locale.ROOT, "%.3g", best);
    g.drawString(lo, x0, y + 16);
    g.drawString(hi, x0 + barWidth - m.stringWidth(hi), y + 16);
    int x = x0 + barWidth + 16;
    g.drawString("numbers = rank", x, y);
    if (truth) {
      x += m.stringWidth("numbers = rank") + 16;
      g.setColor(TRUTH);
      g.setStroke(new BasicStroke(3f));
      drawCross(g, new Point2D.Double(x + 7, y - 5));
      g.setColor(Color.BLACK);
      g.drawString("true location", x + 20, y);
    }
  }

  static double x(double lonDegrees, int width) {
    return (lonDegrees + 180) / 360 * width;
  }

  static double y(double latDegrees, int height) {
    return (90 - latDegrees) / 180 * height;
  }

  private static Path2D path(WorldOutline.Ring ring, int width, int height) {
    Path2D.Double p = new Path2D.Double(Path2D.WIND_EVEN_ODD, ring.size());
    p.moveTo(x(ring.lonDegrees(0), width), y(ring.latDegrees(0), height));
    for (int i = 1; i < ring.size(); i++) {
      p.lineTo(x(ring.lonDegrees(i), width), y(ring.latDegrees(i), height));
    }
    p.closePath();
    return p;
  }
}
