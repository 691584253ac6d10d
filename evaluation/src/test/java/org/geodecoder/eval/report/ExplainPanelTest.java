package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The explain panel's pieces: the attention overlay, the top-k map, the whole panel. */
class ExplainPanelTest {
  private static BufferedImage grey(int size) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        image.setRGB(x, y, 0x808080);
      }
    }
    return image;
  }

  private static double luma(int rgb) {
    return 0.299 * ((rgb >> 16) & 0xff) + 0.587 * ((rgb >> 8) & 0xff) + 0.114 * (rgb & 0xff);
  }

  @Test
  void theBrightestPatchOfTheOverlayIsThePatchThatHasAllTheWeight() {
    int side = 4;
    int size = 64; // 16-px patches
    for (int hot = 0; hot < side * side; hot++) {
      float[] weights = new float[side * side];
      weights[hot] = 1;
      BufferedImage overlay = AttentionOverlay.overlay(grey(size), weights, side);
      // Mean brightness of each image patch: the hot token's patch must be the brightest.
      double[] patch = new double[side * side];
      for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
          patch[(y / 16) * side + x / 16] += luma(overlay.getRGB(x, y));
        }
      }
      int brightest = 0;
      for (int p = 1; p < patch.length; p++) {
        brightest = patch[p] > patch[brightest] ? p : brightest;
      }
      assertEquals(hot, brightest, "token " + hot);
      // And the single brightest pixel lies inside that patch.
      int best = 0;
      for (int i = 1; i < size * size; i++) {
        best = luma(overlay.getRGB(i % size, i / size)) > luma(overlay.getRGB(best % size, best / size)) ? i : best;
      }
      assertEquals(hot / side, (best / size) / 16, "row of the brightest pixel, token " + hot);
      assertEquals(hot % side, (best % size) / 16, "column of the brightest pixel, token " + hot);
    }
  }

  @Test
  void upsamplingKeepsTheTokenWeightsAtThePatchCentresScaledToTheMaximum() {
    float[] w = {0.1f, 0.2f, 0.3f, 0.4f};
    float[] up = AttentionOverlay.upsample(w, 2, 4, 4);
    // Pixel centres (0.5, 0.5) and (3.5, 3.5) map to the first and last token centres (clamped).
    assertEquals(0.25f, up[0], 1e-6);
    assertEquals(1.0f, up[15], 1e-6);
    // Pixel (1, 0): a quarter of the way from token 0 to token 1 in row 0 (the row is clamped).
    assertEquals((0.1 * 0.75 + 0.2 * 0.25) / 0.4, up[1], 1e-6);
    assertEquals(0f, AttentionOverlay.upsample(new float[4], 2, 4, 4)[5]);
  }

  @Test
  void theTopKMapMarksEachCellAtItsCentreInItsProbabilityColour() {
    List<TopKMap.Cell> cells = List.of(new TopKMap.Cell(48.86, 2.35, 0.5), new TopKMap.Cell(-33.87, 151.21, 0.3),
        new TopKMap.Cell(40.71, -74.01, 0.15), new TopKMap.Cell(-22.91, -43.17, 0.05));
    int width = 720; // 2 px per degree
    TopKMap.Rendered r = TopKMap.render(width, cells, 35.68, 139.69);
    assertEquals(cells.size(), r.markers().size());
    for (int i = 0; i < cells.size(); i++) {
      TopKMap.Cell c = cells.get(i);
      Point2D p = r.markers().get(i);
      assertEquals((c.lonDegrees() + 180) * 2, p.getX(), 1e-9);
      assertEquals((90 - c.latDegrees()) * 2, p.getY(), 1e-9);
      Color expected = TopKMap.markerColour(c.probability(), 0.5);
      int rgb = r.image().getRGB((int) Math.round(p.getX()), (int) Math.round(p.getY()));
      assertEquals(expected.getRGB() & 0xffffff, rgb & 0xffffff, "marker " + (i + 1) + " at its centre");
    }
    // Exactly k marker discs: count the pixels of each marker colour on the map.
    for (TopKMap.Cell c : cells) {
      int colour = TopKMap.markerColour(c.probability(), 0.5).getRGB() & 0xffffff;
      int count = 0;
      for (int y = 0; y < width / 2; y++) {
        for (int x = 0; x < width; x++) {
          count += (r.image().getRGB(x, y) & 0xffffff) == colour ? 1 : 0;
        }
      }
      assertTrue(count > 60 && count < 2 * Math.PI * 7 * 7, "one disc of " + colour + ": " + count + " px");
    }
    assertNotNull(r.truth());
    assertEquals(TopKMap.TRUTH.getRGB() & 0xffffff,
        r.image().getRGB((int) Math.round(r.truth().getX()), (int) Math.round(r.truth().getY())) & 0xffffff);
    assertNull(TopKMap.render(width, cells, Double.NaN, 0).truth());
  }

  @Test
  void thePanelHoldsTheImageBothAttentionRowsTheMapAndTheSceneBars() throws Exception {
    int[] hierarchies = {1, 3};
    float[] left = {1, 0, 0, 0};
    float[] right = {0, 0, 0, 1};
    ExplainPanel.Input in = new ExplainPanel.Input("a/b.jpg", grey(64), 2, hierarchies, new float[][] {left, right},
        new float[][] {right, left}, 2, 0, new double[] {0.1, 0.2, 0.7}, null,
        List.of(new TopKMap.Cell(10, 20, 0.6), new TopKMap.Cell(-10, -20, 0.2)), 11, 21);
    BufferedImage panel = ImageIO.read(new ByteArrayInputStream(ExplainPanel.png(in)));
    assertEquals(2 * ExplainPanel.MARGIN + ExplainPanel.MAP_WIDTH + 2 * ExplainPanel.GAP + 340, panel.getWidth());
    // First row, hierarchy 1 (chosen scene): the top-left patch is bright, the bottom-right dark.
    int x = ExplainPanel.MARGIN + ExplainPanel.TILE + ExplainPanel.GAP;
    int y = ExplainPanel.TITLE_HEIGHT + ExplainPanel.LABEL_HEIGHT;
    int t = ExplainPanel.TILE;
    assertTrue(luma(panel.getRGB(x + t / 4, y + t / 4)) > luma(panel.getRGB(x + 3 * t / 4, y + 3 * t / 4)) + 60);
    // Second row, hierarchy 1 (least confident scene): the other way round.
    int y2 = y + ExplainPanel.LABEL_HEIGHT + t + ExplainPanel.GAP;
    assertTrue(luma(panel.getRGB(x + 3 * t / 4, y2 + 3 * t / 4)) > luma(panel.getRGB(x + t / 4, y2 + t / 4)) + 60);
    assertEquals(GreatCircleCheck.km(10, 20, 11, 21), ExplainPanel.errorKm(in), 1e-9);
  }

  @Test
  void with365NamedScenesThePanelShowsTheMostProbableSceneBarsAndTheLeastWithNamesThatFit() throws Exception {
    double[] p = new double[365];
    for (int s = 0; s < p.length; s++) {
      p[s] = s + 1; // the higher the index, the more probable
    }
    double sum = 365 * 366 / 2.0;
    for (int s = 0; s < p.length; s++) {
      p[s] /= sum;
    }
    String[] names = SceneNames.places365().forLevel(365).orElseThrow();
    float[] flat = {0.25f, 0.25f, 0.25f, 0.25f};
    ExplainPanel.Input in = new ExplainPanel.Input("x.jpg", grey(64), 2, new int[] {1}, new float[][] {flat},
        new float[][] {flat}, 364, 0, p, names, List.of(new TopKMap.Cell(0, 0, 1)), Double.NaN, Double.NaN);
    int[] shown = ExplainPanel.shownScenes(in);
    assertEquals(ExplainPanel.MAX_BARS, shown.length);
    assertEquals(0, shown[0]); // the least confident
    assertEquals(350, shown[1]); // then the 15 most probable, in index order
    assertEquals(364, shown[15]);
    BufferedImage panel = ImageIO.read(new ByteArrayInputStream(ExplainPanel.png(in)));
    assertEquals(2 * ExplainPanel.MARGIN + ExplainPanel.MAP_WIDTH + 2 * ExplainPanel.GAP + 480, panel.getWidth());
    assertTrue(panel.getHeight() < 1000, "16 bars, not 365: " + panel.getHeight());

    java.awt.FontMetrics m = panel.createGraphics().getFontMetrics(new java.awt.Font(java.awt.Font.SANS_SERIF,
        java.awt.Font.PLAIN, 12));
    String longName = "commercial buildings, shops, markets, cities, and towns";
    String cut = ExplainPanel.fit(longName, m, 120);
    assertTrue(cut.endsWith("…") && m.stringWidth(cut) <= 120 && longName.startsWith(cut.substring(0, cut.length() - 1)),
        cut);
    assertEquals("indoor", ExplainPanel.fit("indoor", m, 120));
  }

  /** The expected error, from the library's own great-circle distance. */
  private static final class GreatCircleCheck {
    static double km(double a, double b, double c, double d) {
      return org.geodecoder.eval.GreatCircle.distanceKm(a, b, c, d);
    }
  }
}
