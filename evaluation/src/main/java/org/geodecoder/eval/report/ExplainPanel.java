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
  /** More scenes than this (S = 365) show the most probable ones and the least confident. */
  static final int MAX_BARS = 16;
  /** Scene names longer than this (pixels, 12 pt) are cut with an ellipsis. */
  static final int MAX_NAME_WIDTH = 190;

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
    int barsHeight = 30 + shownScenes(in).length * BAR_ROW + 44;
    int mapHeight = MAP_WIDTH / 2 + TopKMap.LEGEND_HEIGHT + 30;
    int bottomWidth = MAP_WIDTH + GAP * 2 + (in.sceneNames() != null ? 480 : 340); // names need room
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
            "own maximum). Peak 1.0×", "uniform = a flat map:", "no preferred region."};
        g.setColor(Color.DARK_GRAY);
        for (int i = 0; i < text.length; i++) {
          g.drawString(text[i], x, y + LABEL_HEIGHT + 14 + i * 16);
        }
      }
      for (int k = 0; k < in.hierarchies().length; k++) {
        x = MARGIN + (k + 1) * (TILE + GAP);
        float[] map = chosen ? in.chosenMaps()[k] : in.leastMaps()[k];
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        String tail = String.format(Locale.ROOT, " · %.1f%%", 100 * in.sceneProbabilities()[scene]);
        String prefix = "h" + in.hierarchies()[k] + " · ";
        FontMetrics hm = g.getFontMetrics();
        String head = prefix + fit(in.sceneName(scene), hm, TILE - hm.stringWidth(prefix + tail)) + tail;
        label(g, head, x, y + 15, chosen ? CHOSEN : LEAST);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        // The peak relative to a flat map (1 / tokens): each map is scaled to its own maximum, so
        // without this number a flat map (no preference) looks like a map that is bright everywhere.
        label(g, fit(String.format(Locale.ROOT, "%s · peak %.2f× uniform", chosen ? "chosen" : "least",
            max(map) * map.length), g.getFontMetrics(), TILE), x, y + 31, Color.DARK_GRAY);
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
    double[] p = in.sceneProbabilities();
    int[] shown = shownScenes(in);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
    label(g, "Scene confidence" + (shown.length < p.length
        ? " (top " + (shown.length - 1) + " of " + p.length + ", and the least)" : ""), x, top + 16, Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    FontMetrics m = g.getFontMetrics();
    String[] names = new String[p.length];
    int nameWidth = 0;
    for (int s : shown) {
      names[s] = fit(in.sceneName(s), m, MAX_NAME_WIDTH);
      nameWidth = Math.max(nameWidth, m.stringWidth(names[s]));
    }
    double maxP = 0;
    for (double v : p) {
      maxP = Math.max(maxP, v);
    }
    int barX = x + nameWidth + 8;
    int barMax = Math.max(40, width - nameWidth - 8 - 56);
    for (int row = 0; row < shown.length; row++) {
      int s = shown[row];
      int y = top + 30 + row * BAR_ROW;
      Color c = s == in.chosenScene() ? CHOSEN : s == in.leastScene() ? LEAST : OTHER;
      g.setColor(s == in.chosenScene() || s == in.leastScene() ? c : Color.DARK_GRAY);
      g.drawString(names[s], x + nameWidth - m.stringWidth(names[s]), y + 12);
      int len = maxP <= 0 ? 0 : (int) Math.round(barMax * p[s] / maxP);
      g.setColor(c);
      g.fillRect(barX, y + 2, Math.max(1, len), BAR_ROW - 6);
      g.setColor(Color.BLACK);
      g.drawString(String.format(Locale.ROOT, "%.1f%%", 100 * p[s]), barX + len + 4, y + 12);
    }
    // Legend of the two highlighted colours (they also frame the attention rows above).
    int ly = top + 30 + shown.length * BAR_ROW + 8;
    g.setColor(CHOSEN);
    g.fillRect(x, ly, 12, 12);
    label(g, "chosen scene (top row)", x + 16, ly + 11, Color.DARK_GRAY);
    g.setColor(LEAST);
    g.fillRect(x, ly + 18, 12, 12);
    label(g, "least confident scene (bottom row)", x + 16, ly + 29, Color.DARK_GRAY);
  }

  /**
   * The scenes with a bar, in index order: all of them, or (more than {@link #MAX_BARS}) the
   * most probable ones and the least confident.
   */
  static int[] shownScenes(Input in) {
    double[] p = in.sceneProbabilities();
    if (p.length <= MAX_BARS) {
      return java.util.stream.IntStream.range(0, p.length).toArray();
    }
    return java.util.stream.IntStream.concat(
            java.util.stream.IntStream.range(0, p.length).boxed()
                .sorted((a, b) -> p[b] != p[a] ? Double.compare(p[b], p[a]) : Integer.compare(a, b))
                .limit(MAX_BARS - 1).mapToInt(Integer::intValue),
            java.util.stream.IntStream.of(in.leastScene()))
        .distinct().sorted().toArray();
  }

  /** {@code text}, cut with an ellipsis to at most {@code maxWidth} pixels. */
  static String fit(String text, FontMetrics m, int maxWidth) {
    if (m.stringWidth(text) <= maxWidth) {
      return text;
    }
    String cut = text;
    while (cut.length() > 1 && m.stringWidth(cut + "…") > maxWidth) {
      cut = cut.substring(0, cut.length() - 1);
    }
    return cut.strip() + "…";
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
