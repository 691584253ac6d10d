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
    View world = new View(0, 0, width, mapHeight, -180, 180, -90, 90);
    drawBase(g, world, true);

    double best = cells.stream().mapToDouble(Cell::probability).max().orElse(1);
    List<Point2D> markers = new ArrayList<>();
    for (Cell c : cells) {
      markers.add(new Point2D.Double(x(c.lonDegrees(), width), y(c.latDegrees(), mapHeight)));
    }
    Point2D truth = Double.isNaN(trueLatDegrees) ? null
        : new Point2D.Double(x(trueLonDegrees, width), y(trueLatDegrees, mapHeight));
    drawMarks(g, world, cells, best, trueLatDegrees, trueLonDegrees);
    View zoom = zoom(cells, trueLatDegrees, trueLonDegrees, width, mapHeight);
    if (zoom != null) {
      // Where the zoomed window is on the world map, then the window itself, bottom left (ocean).
      g.setColor(Color.DARK_GRAY);
      g.setStroke(new BasicStroke(1.2f));
      g.draw(new java.awt.geom.Rectangle2D.Double(world.x(zoom.lon0), world.y(zoom.lat1),
          world.x(zoom.lon1) - world.x(zoom.lon0), world.y(zoom.lat0) - world.y(zoom.lat1)));
      java.awt.Shape clip = g.getClip();
      g.setClip(zoom.x0, zoom.y0, zoom.w, zoom.h);
      drawBase(g, zoom, false);
      drawMarks(g, zoom, cells, best, trueLatDegrees, trueLonDegrees);
      g.setClip(clip);
      g.setColor(Color.DARK_GRAY);
      g.setStroke(new BasicStroke(1.5f));
      g.drawRect(zoom.x0, zoom.y0, zoom.w, zoom.h);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
      g.drawString(String.format(Locale.ROOT, "zoom: %.0f° × %.0f°", zoom.lon1 - zoom.lon0, zoom.lat1 - zoom.lat0),
          zoom.x0 + 4, zoom.y0 - 4);
    }
    drawLegend(g, width, mapHeight, best, truth != null);
    g.dispose();
    return new Rendered(image, List.copyOf(markers), truth);
  }

  /** A lon/lat window drawn into a pixel rectangle (equirectangular). */
  record View(int x0, int y0, int w, int h, double lon0, double lon1, double lat0, double lat1) {
    double x(double lon) {
      return x0 + (lon - lon0) / (lon1 - lon0) * w;
    }

    double y(double lat) {
      return y0 + (lat1 - lat) / (lat1 - lat0) * h;
    }
  }

  /** Spans below which the cells and the truth get a zoomed window (they would overlap on the world map). */
  static final double ZOOM_BELOW_LON = 60;
  static final double ZOOM_BELOW_LAT = 30;

  /**
   * The zoom window around the cells and the true location when they all lie within a small
   * region (and not across the antimeridian), else null. Drawn in the bottom-left corner (south-east
   * Pacific), or the bottom-right one (south Indian Ocean) when the region itself is in the south-west.
   */
  static View zoom(List<Cell> cells, double trueLat, double trueLon, int width, int mapHeight) {
    double lonMin = Double.MAX_VALUE;
    double lonMax = -Double.MAX_VALUE;
    double latMin = Double.MAX_VALUE;
    double latMax = -Double.MAX_VALUE;
    List<double[]> points = new ArrayList<>();
    for (Cell c : cells) {
      points.add(new double[] {c.latDegrees(), c.lonDegrees()});
    }
    if (!Double.isNaN(trueLat)) {
      points.add(new double[] {trueLat, trueLon});
    }
    for (double[] p : points) {
      latMin = Math.min(latMin, p[0]);
      latMax = Math.max(latMax, p[0]);
      lonMin = Math.min(lonMin, p[1]);
      lonMax = Math.max(lonMax, p[1]);
    }
    if (lonMax - lonMin >= ZOOM_BELOW_LON || latMax - latMin >= ZOOM_BELOW_LAT) {
      return null;
    }
    // At least 8° × 4° with a margin, in the map's 2:1 aspect.
    double spanLon = Math.max(8, Math.max(lonMax - lonMin, 2 * (latMax - latMin)) * 1.4);
    double spanLat = spanLon / 2;
    double cLon = (lonMin + lonMax) / 2;
    double cLat = Math.max(-90 + spanLat / 2, Math.min(90 - spanLat / 2, (latMin + latMax) / 2));
    int w = (int) Math.round(width * 0.36);
    int h = w / 2;
    boolean southWest = cLon < -30 && cLat < -10;
    return new View(southWest ? width - w - 6 : 6, mapHeight - h - 6, w, h, cLon - spanLon / 2, cLon + spanLon / 2, cLat - spanLat / 2,
        cLat + spanLat / 2);
  }

  private static void drawBase(Graphics2D g, View v, boolean grid) {
    g.setColor(Palette.OCEAN);
    g.fillRect(v.x0, v.y0, v.w, v.h);
    g.setColor(Palette.LAND);
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.fill(path(ring, v));
    }
    if (grid) {
      g.setColor(Palette.GRID);
      g.setStroke(new BasicStroke(0.5f));
      for (int lon = -150; lon < 180; lon += 30) {
        g.draw(new Line2D.Double(v.x(lon), v.y0, v.x(lon), v.y0 + v.h));
      }
      for (int lat = -60; lat <= 60; lat += 30) {
        g.draw(new Line2D.Double(v.x0, v.y(lat), v.x0 + v.w, v.y(lat)));
      }
    }
    g.setColor(Palette.COAST);
    g.setStroke(new BasicStroke(0.6f));
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.draw(path(ring, v));
    }
    g.setColor(Color.GRAY);
    g.drawRect(v.x0, v.y0, v.w - 1, v.h - 1);
  }

  private static void drawMarks(Graphics2D g, View v, List<Cell> cells, double best, double trueLat, double trueLon) {
    Point2D truth = Double.isNaN(trueLat) ? null : new Point2D.Double(v.x(trueLon), v.y(trueLat));
    if (truth != null) {
      g.setColor(TRUTH);
      g.setStroke(new BasicStroke(1.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND, 1, new float[] {5, 4}, 0));
      g.draw(new Line2D.Double(v.x(cells.get(0).lonDegrees()), v.y(cells.get(0).latDegrees()), truth.getX(),
          truth.getY()));
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
      double px = v.x(cells.get(i).lonDegrees());
      double py = v.y(cells.get(i).latDegrees());
      double r = MARKER_RADIUS;
      g.setColor(markerColour(cells.get(i).probability(), best));
      g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
      g.setColor(Color.BLACK);
      g.setStroke(new BasicStroke(1f));
      g.draw(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
    }
    if (truth != null) {
      g.setColor(Color.WHITE);
      g.setStroke(new BasicStroke(5f));
      drawCross(g, truth);
      g.setColor(TRUTH);
      g.setStroke(new BasicStroke(3f));
      drawCross(g, truth);
    }
    // The ranks last, with a white outline: readable over the other markers and the cross (a
    // right guess puts the best cell under the cross).
    for (int i : order) {
      float tx = (float) (v.x(cells.get(i).lonDegrees()) + MARKER_RADIUS + 1);
      float ty = (float) (v.y(cells.get(i).latDegrees()) - MARKER_RADIUS + m.getAscent() - 4);
      String rank = String.valueOf(i + 1);
      g.setColor(Color.WHITE);
      for (int dx = -1; dx <= 1; dx++) {
        for (int dy = -1; dy <= 1; dy++) {
          g.drawString(rank, tx + dx, ty + dy);
        }
      }
      g.setColor(Color.BLACK);
      g.drawString(rank, tx, ty);
    }
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

  private static Path2D path(WorldOutline.Ring ring, View v) {
    Path2D.Double p = new Path2D.Double(Path2D.WIND_EVEN_ODD, ring.size());
    p.moveTo(v.x(ring.lonDegrees(0)), v.y(ring.latDegrees(0)));
    for (int i = 1; i < ring.size(); i++) {
      p.lineTo(v.x(ring.lonDegrees(i)), v.y(ring.latDegrees(i)));
    }
    p.closePath();
    return p;
  }
}
