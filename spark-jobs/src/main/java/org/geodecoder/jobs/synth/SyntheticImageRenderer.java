package org.geodecoder.jobs.synth;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.Polygon;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.util.SplittableRandom;

/**
 * Renders a synthetic photo whose content depends on where it was "taken", so that a model can
 * learn region > country > city from pixels, with controlled ambiguity (written by hand: no
 * library generates geographically structured images).
 *
 * <ul>
 *   <li><b>Climate band</b> (latitude) sets the palette of sky and ground (tropical greens …
 *       polar whites), with a smooth shift along latitude.
 *   <li><b>Region</b> (a 30°×30° lat/lon sector) sets a texture family drawn on the ground:
 *       stripes, checks, dots, waves, triangles or crosses, each with a sector-specific angle.
 *   <li><b>City</b>: a landmark motif (a polygon with a city-specific vertex count, colour and
 *       shape) appears in most urban images near the city centre.
 *   <li><b>Scene</b>: indoor images are walls and a floor in the region's colours; nature
 *       images lose the landmark; urban images add buildings.
 *   <li>Random pose (rotation, scale, position), lighting and pixel noise make every image
 *       different.
 * </ul>
 * Deterministic for a given seed. Thread-safe (no state).
 */
public final class SyntheticImageRenderer {
  private static final Color[][] BAND_PALETTE = {
    {new Color(110, 190, 230), new Color(40, 140, 60)},   // tropical: blue sky, deep green
    {new Color(150, 200, 235), new Color(190, 160, 90)},  // subtropical: pale sky, sand
    {new Color(120, 160, 210), new Color(90, 150, 70)},   // temperate: sky, grass
    {new Color(170, 185, 200), new Color(70, 100, 80)},   // cold: grey sky, conifer
    {new Color(215, 225, 235), new Color(235, 240, 245)}, // polar: white
  };

  private SyntheticImageRenderer() {}

  /** Describes what to draw; all derived from the location by {@link SynthGenerator}. */
  public record Spec(
      double latDegrees, double lonDegrees, int scene3, int motif, long cityHash, long seed) {}

  public static BufferedImage render(Spec spec, int size) {
    SplittableRandom r = new SplittableRandom(spec.seed());
    BufferedImage img = drawScene(spec, size, r);
    addNoise(img, r, NOISE_AMPLITUDE);
    return img;
  }

  /** Pixel noise, in levels (uniform in ±12, the same for the three channels of a pixel). */
  static final int NOISE_AMPLITUDE = 12;

  /** The scene without the pixel noise; draws from {@code r} in a fixed order. */
  static BufferedImage drawScene(Spec spec, int size, SplittableRandom r) {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    int band = SceneRule.climateBand(spec.latDegrees());
    int sector = regionSector(spec.latDegrees(), spec.lonDegrees());
    double light = 0.8 + 0.4 * r.nextDouble();
    // Hue drifts smoothly with position (sky with latitude, ground with longitude): nearby
    // places look alike, distant ones differ; the band palette adds the climate step.
    Color sky = shade(BAND_PALETTE[band][0], light, spec.latDegrees() * 0.6);
    Color ground = shade(saturated(BAND_PALETTE[band][1]), light, spec.lonDegrees() * 0.5);
    Color regionColor = Color.getHSBColor((sector * 0.137f) % 1f, 0.6f, 0.85f);

    if (spec.scene3() == 0) {
      drawIndoor(g, r, size, regionColor, ground);
    } else {
      int horizon = (int) (size * (0.35 + 0.25 * r.nextDouble()));
      g.setPaint(new GradientPaint(0, 0, sky, 0, horizon, shade(sky, 0.85, 0)));
      g.fillRect(0, 0, size, horizon);
      g.setColor(ground);
      g.fillRect(0, horizon, size, size - horizon);
      drawTexture(g, r, size, horizon, sector, regionColor);
      if (spec.scene3() == 2) {
        drawBuildings(g, r, size, horizon, regionColor);
        if (r.nextDouble() < 0.8) {
          drawLandmark(g, r, size, spec.motif(), spec.cityHash());
        }
      }
    }
    g.dispose();
    return img;
  }

  /** 12 × 6 sectors of 30° × 30°: a stand-in for "region" (continent/sub-continent). */
  public static int regionSector(double lat, double lon) {
    int row = (int) Math.min(5, Math.floor((lat + 90) / 30));
    int col = (int) Math.min(11, Math.floor((lon + 180) / 30));
    return row * 12 + col;
  }

  private static void drawIndoor(Graphics2D g, SplittableRandom r, int size, Color wall, Color floor) {
    g.setColor(shade(wall, 0.7 + 0.3 * r.nextDouble(), 0)); // the region's colour: indoor scenes stay (weakly) located
    g.fillRect(0, 0, size, size);
    g.setColor(shade(floor, 0.6, 0));
    int floorTop = (int) (size * (0.6 + 0.2 * r.nextDouble()));
    g.fillRect(0, floorTop, size, size - floorTop);
    g.setColor(shade(wall, 0.4, 0));
    int w = size / 4;
    g.fillRect((int) (r.nextDouble() * (size - w)), size / 6, w, size / 3); // a window or a picture
  }

  private static void drawTexture(Graphics2D g, SplittableRandom r, int size, int top, int sector, Color c) {
    int family = sector % 6;
    double angle = Math.toRadians((sector * 17) % 180);
    Graphics2D t = (Graphics2D) g.create(0, top, size, size - top);
    t.rotate(angle, size / 2.0, (size - top) / 2.0);
    t.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), 150));
    int step = Math.max(4, size / (8 + sector % 5));
    t.setStroke(new BasicStroke(Math.max(1, step / 4f)));
    for (int i = -size; i < 2 * size; i += step) {
      switch (family) {
        case 0 -> t.drawLine(i, -size, i, 2 * size);
        case 1 -> {
          for (int j = -size; j < 2 * size; j += 2 * step) {
            t.fillRect(i, j + ((i / step) % 2) * step, step, step);
          }
        }
        case 2 -> {
          for (int j = -size; j < 2 * size; j += step) {
            t.fillOval(i, j, step / 2, step / 2);
          }
        }
        case 3 -> {
          for (int j = -size; j < 2 * size; j += step / 2) {
            t.drawLine(i + (int) (step / 3.0 * Math.sin(j / 5.0)), j, i + (int) (step / 3.0 * Math.sin((j + step / 2) / 5.0)), j + step / 2);
          }
        }
        case 4 -> {
          for (int j = -size; j < 2 * size; j += step) {
            t.fillPolygon(new int[] {i, i + step / 2, i + step}, new int[] {j + step, j, j + step}, 3);
          }
        }
        default -> {
          for (int j = -size; j < 2 * size; j += step) {
            t.drawLine(i, j, i + step / 2, j + step / 2);
            t.drawLine(i + step / 2, j, i, j + step / 2);
          }
        }
      }
    }
    t.dispose();
  }

  private static void drawBuildings(Graphics2D g, SplittableRandom r, int size, int horizon, Color c) {
    int n = 3 + r.nextInt(5);
    for (int i = 0; i < n; i++) {
      int w = size / 10 + r.nextInt(size / 6);
      int h = size / 8 + r.nextInt(size / 3);
      int x = r.nextInt(size);
      g.setColor(shade(c, 0.3 + 0.4 * r.nextDouble(), 0));
      g.fillRect(x, horizon - h, w, h);
    }
  }

  private static void drawLandmark(Graphics2D g, SplittableRandom r, int size, int motif, long cityHash) {
    SplittableRandom city = new SplittableRandom(cityHash);
    int vertices = 3 + motif % 6;
    Color color = Color.getHSBColor(city.nextFloat(), 0.9f, 0.95f);
    double[] radii = new double[vertices];
    for (int v = 0; v < vertices; v++) {
      radii[v] = 0.5 + 0.5 * city.nextDouble();
    }
    double scale = size * (0.15 + 0.15 * r.nextDouble());
    AffineTransform saved = g.getTransform();
    g.translate(size * (0.25 + 0.5 * r.nextDouble()), size * (0.25 + 0.4 * r.nextDouble()));
    g.rotate(Math.toRadians(r.nextDouble() * 30 - 15));
    Polygon p = new Polygon();
    for (int v = 0; v < vertices; v++) {
      double a = 2 * Math.PI * v / vertices;
      p.addPoint((int) (Math.cos(a) * radii[v] * scale), (int) (Math.sin(a) * radii[v] * scale));
    }
    g.setColor(color);
    g.fillPolygon(p);
    g.setColor(color.darker().darker());
    g.setStroke(new BasicStroke(Math.max(1, size / 64f)));
    g.drawPolygon(p);
    g.setTransform(saved);
  }

  /** Polar whites have no hue to shift; give every ground some colour. */
  private static Color saturated(Color c) {
    float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
    return Color.getHSBColor(hsb[0], Math.max(hsb[1], 0.35f), hsb[2]);
  }

  private static Color shade(Color c, double factor, double hueShiftDegrees) {
    float[] hsb = Color.RGBtoHSB(c.getRed(), c.getGreen(), c.getBlue(), null);
    float h = (float) ((hsb[0] + hueShiftDegrees / 360.0 + 1) % 1.0);
    float b = (float) Math.max(0, Math.min(1, hsb[2] * factor));
    return Color.getHSBColor(h, hsb[1], b);
  }

  /**
   * Adds the noise in place, straight in the image's {@code int[]} raster (TYPE_INT_RGB: 0xRRGGBB
   * per pixel), one draw per pixel in row order: the same pixels as going through
   * {@code getRGB}/{@code setRGB}, without their colour-model conversions (a test checks it).
   */
  static void addNoise(BufferedImage img, SplittableRandom r, int amplitude) {
    int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
    int span = 2 * amplitude + 1;
    for (int i = 0; i < px.length; i++) {
      int n = r.nextInt(span) - amplitude;
      int p = px[i];
      int red = clamp(((p >> 16) & 0xff) + n);
      int green = clamp(((p >> 8) & 0xff) + n);
      int blue = clamp((p & 0xff) + n);
      px[i] = (red << 16) | (green << 8) | blue;
    }
  }

  private static int clamp(int v) {
    return v < 0 ? 0 : v > 255 ? 255 : v;
  }
}
