package org.geodecoder.eval.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.geodecoder.eval.GreatCircle;

/**
 * One image explained in one PNG, laid out like the paper's qualitative figures (Fig. 5–7):
 *
 * <pre>
 *   title: id, predicted and true location, error
 *   [image] [h_a, scene s*] [h_b, scene s*] …      cross-attention of the chosen scene's queries
 *   [     ] [h_a, scene s-] [h_b, scene s-] …      the same for the least confident scene
 *   [top-k world map              ] [scene confidences, one bar per scene]
 * </pre>
 *
 * Each attention tile is {@link AttentionOverlay} of the query (hierarchy, scene) over the image
 * the model saw. Rendering needs no display.
 */
public final class ExplainPanel {
  static final int TILE = 192;
  static final int GAP = 18;
  static final int MARGIN = 16;
  static final int TITLE_HEIGHT = 58;
  static final int LABEL_HEIGHT = 36;
  static final int MAP_WIDTH = 620;
  static final int BAR_ROW = 20;
  static final Color CHOSEN = new Color(0xd95f02);
  static final Color LEAST = new Color(0x7570b3);
  static final Color OTHER = new Color(0xb0b0b0);

  /**
   * What to draw.
   *
   * @param id the image's id
   * @param image the image as the model saw it (after the eval transform, denormalised)
   * @param side the token grid is side×side
   * @param hierarchies the hierarchies shown, 1-based (1 = coarsest)
   * @param chosenMaps per shown hierarchy, the attention of query (h, chosen scene)
   * @param leastMaps per shown hierarchy, the attention of query (h, least confident scene)
   * @param sceneProbabilities every scene's probability
   * @param sceneNames a name per scene, or null for "scene k"
   * @param topK predicted cells, best first
   * @param trueLatDegrees NaN when unknown
   */
  public record Input(String id, BufferedImage image, int side, int[] hierarchies, float[][] chosenMaps,
      float[][] leastMaps, int chosenScene, int leastScene, double[] sceneProbabilities, String[] sceneNames,
      List<TopKMap.Cell> topK, double trueLatDegrees, double trueLonDegrees) {
    public Input {
      if (chosenMaps.length != hierarchies.length || leastMaps.length != hierarchies.length) {
        throw new IllegalArgumentException("One chosen and one least-confident map per shown hierarchy");
      }
      if (topK.isEmpty()) {
        throw new IllegalArgumentException("At least one predicted cell");
      }
    }

    boolean hasTruth() {
      return !Double.isNaN(trueLatDegrees);
    }

    String sceneName(int s) {
      return sceneNames != null && s < sceneNames.length && sceneNames[s] != null ? sceneNames[s] : "scene " + s;
    }
  }

  private ExplainPanel() {}

  /** The error of the best cell in km, NaN when the true location is unknown. */
  public static double errorKm(Input in) {
    TopKMap.Cell best = in.topK().get(0);
    return in.hasTruth()
        ? GreatCircle.distanceKm(best.latDegrees(), best.lonDegrees(), in.trueLatDegrees(), in.trueLonDegrees())
        : Double.NaN;
  }

  public static BufferedImage render(Input in) {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true"); // Spark executors have no display
    }
    int columns = 1 + in.hierarchies().length;
    int gridWidth = columns * TILE + (columns - 1) * GAP;
    int scenes = in.sceneProbabilities().length;
    int barsHeight = 30 + scenes * BAR_ROW;
    int mapHeight = MAP_WIDTH / 2 + TopKMap.LEGEND_HEIGHT + 30;
    int bottomWidth = MAP_WIDTH + GAP * 2 + 340;
    int width = 2 * MARGIN + Math.max(gridWidth, bottomWidth);
    int gridHeight = 2 * (LABEL_HEIGHT + TILE) + GAP;
    int height = TITLE_HEIGHT + gridHeight + GAP * 2 + Math.max(mapHeight, barsHeight) + MARGIN;
    BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    drawTitle(g, in);

    BufferedImage tile = scaled(in.image(), TILE);
    int top = TITLE_HEIGHT;
    for (int row = 0; row < 2; row++) {
      boolean chosen = row == 0;
      int scene = chosen ? in.chosenScene() : in.leastScene();
      int y = top + row * (LABEL_HEIGHT + TILE + GAP);
      int x = MARGIN;
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.setColor(chosen ? CHOSEN : LEAST);
      if (chosen) {
        label(g, "Image", x, y + 15, Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        label(g, "as the model saw it", x, y + 31, Color.DARK_GRAY);
        g.drawImage(tile, x, y + LABEL_HEIGHT, null);
      } else {
        // Under the image: what the two rows are.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
        String[] text = {"Top row: queries of the", "chosen scene (they made", "the prediction).", "",
            "Bottom row: queries of the", "least confident scene.", "", "Bright = more attention", "(each map scaled to its",
            "own maximum)."};
        g.setColor(Color.DARK_GRAY);
        for (int i = 0; i < text.length; i++) {
          g.drawString(text[i], x, y + LABEL_HEIGHT + 16 + i * 18);
        }
      }
      for (int k = 0; k < in.hierarchies().length; k++) {
        x = MARGIN + (k + 1) * (TILE + GAP);
        float[] map = chosen ? in.chosenMaps()[k] : in.leastMaps()[k];
        String head = String.format(Locale.ROOT, "h%d · %s · %.1f%%", in.hierarchies()[k], in.sceneName(scene),
            100 * in.sceneProbabilities()[scene]);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        label(g, head, x, y + 15, chosen ? CHOSEN : LEAST);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        label(g, String.format(Locale.ROOT, "%s · max %.3f", chosen ? "chosen" : "least confident", max(map)), x, y + 31,
            Color.DARK_GRAY);
        g.drawImage(AttentionOverlay.overlay(tile, map, in.side()), x, y + LABEL_HEIGHT, null);
        g.setColor(chosen ? CHOSEN : LEAST);
        g.setStroke(new BasicStroke(2f));
        g.drawRect(x - 1, y + LABEL_HEIGHT - 1, TILE + 1, TILE + 1);
      }
    }

    int bottom = top + gridHeight + GAP * 2;
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    label(g, "Top-" + in.topK().size() + " predicted cells" + (in.hasTruth() ? " and the true location" : ""),
        MARGIN, bottom + 16, Color.BLACK);
    TopKMap.Rendered map = TopKMap.render(MAP_WIDTH, in.topK(), in.trueLatDegrees(), in.trueLonDegrees());
    g.drawImage(map.image(), MARGIN, bottom + 26, null);
    drawSceneBars(g, in, MARGIN + MAP_WIDTH + 2 * GAP, bottom, width - MARGIN - (MARGIN + MAP_WIDTH + 2 * GAP));
    g.dispose();
    return out;
  }

  /** The panel as PNG bytes. */
  public static byte[] png(Input in) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
      if (!ImageIO.write(render(in), "png", bytes)) {
        throw new IOException("No PNG writer available");
      }
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot encode the panel of " + in.id(), e);
    }
  }

  private static void drawTitle(Graphics2D g, Input in) {
    TopKMap.Cell best = in.topK().get(0);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    label(g, in.id(), MARGIN, 24, Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
    String line = String.format(Locale.ROOT, "Predicted %s (p = %s)", latLon(best.latDegrees(), best.lonDegrees()),
        ExplainReport.probability(best.probability()));
    if (in.hasTruth()) {
      line += String.format(Locale.ROOT, "   ·   true %s   ·   error %s km", latLon(in.trueLatDegrees(), in.trueLonDegrees()),
          MarkdownReport.km(errorKm(in)));
    }
    label(g, line, MARGIN, 46, Color.DARK_GRAY);
  }

  private static void drawSceneBars(Graphics2D g, Input in, int x, int top, int width) {
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    label(g, "Scene confidence", x, top + 16, Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics m = g.getFontMetrics();
    double[] p = in.sceneProbabilities();
    int nameWidth = 0;
    for (int s = 0; s < p.length; s++) {
      nameWidth = Math.max(nameWidth, m.stringWidth(in.sceneName(s)));
    }
    double maxP = 0;
    for (double v : p) {
      maxP = Math.max(maxP, v);
    }
    int barX = x + nameWidth + 8;
    int barMax = Math.max(40, width - nameWidth - 8 - 56);
    for (int s = 0; s < p.length; s++) {
      int y = top + 30 + s * BAR_ROW;
      Color c = s == in.chosenScene() ? CHOSEN : s == in.leastScene() ? LEAST : OTHER;
      g.setColor(s == in.chosenScene() || s == in.leastScene() ? c : Color.DARK_GRAY);
      g.drawString(in.sceneName(s), x + nameWidth - m.stringWidth(in.sceneName(s)), y + 12);
      int len = maxP <= 0 ? 0 : (int) Math.round(barMax * p[s] / maxP);
      g.setColor(c);
      g.fillRect(barX, y + 2, Math.max(1, len), BAR_ROW - 6);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.1f%%", 100 * p[s]), barX + len + 4, y + 12);
    }
  }

  private static void label(Graphics2D g, String text, int x, int y, Color colour) {
    g.setColor(colour);
    g.drawString(text, x, y);
  }

  private static String latLon(double lat, double lon) {
    return String.format(Locale.ROOT, "%.2f°%s %.2f°%s", Math.abs(lat), lat >= 0 ? "N" : "S", Math.abs(lon),
        lon >= 0 ? "E" : "W");
  }

  private static float max(float[] w) {
    float m = 0;
    for (float v : w) {
      m = Math.max(m, v);
    }
    return m;
  }

  private static BufferedImage scaled(BufferedImage image, int size) {
    BufferedImage out = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(image, 0, 0, size, size, null);
    g.dispose();
    return out;
  }
}
