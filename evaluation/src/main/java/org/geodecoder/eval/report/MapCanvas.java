package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * An equirectangular world map drawn with Java2D: ocean, land from {@link WorldOutline}, a 30°
 * graticule with degree labels, a title, and a band below the map for a legend. The map
 * renderers draw their data between {@link #drawLand()} and {@link #drawCoastlines()}.
 */
final class MapCanvas {
  static final int MAP_WIDTH = 1440; // 4 px per degree
  static final int MAP_HEIGHT = 720;
  static final int LEFT = 70;
  static final int TOP = 64;
  static final int RIGHT = 30;
  static final int LEGEND_HEIGHT = 130;
  static final int WIDTH = LEFT + MAP_WIDTH + RIGHT;
  static final int HEIGHT = TOP + MAP_HEIGHT + LEGEND_HEIGHT;

  final BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
  final Graphics2D g = image.createGraphics();

  MapCanvas(String title) {
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(
        RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, WIDTH, HEIGHT);
    g.setColor(Palette.OCEAN);
    g.fillRect(LEFT, TOP, MAP_WIDTH, MAP_HEIGHT);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 24));
    FontMetrics m = g.getFontMetrics();
    g.drawString(title, (WIDTH - m.stringWidth(title)) / 2, 40);
  }

  double x(double lonDegrees) {
    return LEFT + (lonDegrees + 180) / 360 * MAP_WIDTH;
  }

  double y(double latDegrees) {
    return TOP + (90 - latDegrees) / 180 * MAP_HEIGHT;
  }

  void drawLand() {
    g.setColor(Palette.LAND);
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.fill(path(ring));
    }
  }

  void drawCoastlines() {
    g.setColor(Palette.COAST);
    g.setStroke(new BasicStroke(0.8f));
    for (WorldOutline.Ring ring : WorldOutline.bundled().rings()) {
      g.draw(path(ring));
    }
  }

  /** Graticule every 30° with labels in degrees, and the axis titles. */
  void drawGraticule() {
    g.setStroke(new BasicStroke(0.6f));
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    FontMetrics m = g.getFontMetrics();
    for (int lon = -180; lon <= 180; lon += 30) {
      int px = (int) Math.round(x(lon));
      g.setColor(Palette.GRID);
      g.drawLine(px, TOP, px, TOP + MAP_HEIGHT);
      g.setColor(Color.DARK_GRAY);
      String label = lon + "°";
      g.drawString(label, px - m.stringWidth(label) / 2, TOP + MAP_HEIGHT + 18);
    }
    for (int lat = -90; lat <= 90; lat += 30) {
      int py = (int) Math.round(y(lat));
      g.setColor(Palette.GRID);
      g.drawLine(LEFT, py, LEFT + MAP_WIDTH, py);
      g.setColor(Color.DARK_GRAY);
      String label = lat + "°";
      g.drawString(label, LEFT - 8 - m.stringWidth(label), py + 5);
    }
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 16));
    m = g.getFontMetrics();
    String xTitle = "Longitude (°)";
    g.drawString(xTitle, LEFT + (MAP_WIDTH - m.stringWidth(xTitle)) / 2, TOP + MAP_HEIGHT + 40);
    AffineTransform saved = g.getTransform();
    g.rotate(-Math.PI / 2);
    String yTitle = "Latitude (°)";
    g.drawString(yTitle, -(TOP + (MAP_HEIGHT + m.stringWidth(yTitle)) / 2), 18);
    g.setTransform(saved);
    g.setColor(Color.GRAY);
    g.drawRect(LEFT, TOP, MAP_WIDTH, MAP_HEIGHT);
  }

  /** Top of the legend band, below the axis labels. */
  int legendTop() {
    return TOP + MAP_HEIGHT + 60;
  }

  void write(Path png) throws IOException {
    g.dispose();
    Path parent = png.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    if (!ImageIO.write(image, "png", png.toFile())) {
      throw new IOException("No PNG writer available for " + png);
    }
  }

  private Path2D path(WorldOutline.Ring ring) {
    Path2D.Double p = new Path2D.Double(Path2D.WIND_EVEN_ODD, ring.size());
    p.moveTo(x(ring.lonDegrees(0)), y(ring.latDegrees(0)));
    for (int i = 1; i < ring.size(); i++) {
      p.lineTo(x(ring.lonDegrees(i)), y(ring.latDegrees(i)));
    }
    p.closePath();
    return p;
  }
}
