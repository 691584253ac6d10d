package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.ErrorStats;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportWriterTest {
  private static EvaluationResult result;
  private static List<DatasetAnalysis> analyses;
  private static List<Path> written;
  @TempDir static Path dir;

  @BeforeAll
  static void writeReport() throws IOException {
    SyntheticEvaluation synthetic = new SyntheticEvaluation(2023);
    result = synthetic.accumulator.result();
    analyses = synthetic.analyses;
    written = ReportWriter.write(dir, result, analyses);
    // To look at the plots: mvn test -Dgeodecoder.eval.pngDir=/tmp/eval-pngs
    String copyTo = System.getProperty("geodecoder.eval.pngDir");
    if (copyTo != null) {
      ReportWriter.write(Paths.get(copyTo), result, analyses);
    }
  }

  @Test
  void writesEveryFileWithTheDeclaredImageSizes() throws IOException {
    List<String> names = written.stream().map(p -> p.getFileName().toString()).toList();
    assertEquals(List.of("accuracy-curve.png", "error-histogram.png",
        "error-map-im2gps3k.png", "error-map-yfcc4k.png", "error-map-gws15k.png",
        "lorenz-curve.png", "density-im2gps3k.png", "density-yfcc4k.png", "density-gws15k.png",
        "metrics.json", "report.md", "report.html"), names);
    assertPng(dir.resolve("accuracy-curve.png"), AccuracyCurveChart.size());
    assertPng(dir.resolve("error-histogram.png"), ErrorHistogramChart.size());
    assertPng(dir.resolve("lorenz-curve.png"), LorenzChart.size());
    assertPng(dir.resolve("error-map-gws15k.png"), ErrorMap.size());
    assertPng(dir.resolve("density-yfcc4k.png"), DensityMap.size());
  }

  private static void assertPng(Path png, int[] size) throws IOException {
    BufferedImage image = ImageIO.read(png.toFile());
    assertEquals(size[0], image.getWidth(), png.toString());
    assertEquals(size[1], image.getHeight(), png.toString());
    // Not blank: a rendered plot has many distinct colours.
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 3) {
      for (int x = 0; x < image.getWidth(); x += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertTrue(colours.size() > 20, png + " has " + colours.size() + " colours");
  }

  @Test
  void metricsJsonHoldsTheFiguresOfEveryDataset() throws IOException {
    JsonObject root = JsonParser.parseString(
        Files.readString(dir.resolve("metrics.json"))).getAsJsonObject();
    assertEquals(1, root.get("schemaVersion").getAsInt());
    JsonArray datasets = root.getAsJsonArray("datasets");
    assertEquals(3, datasets.size());
    for (int i = 0; i < 3; i++) {
      JsonObject d = datasets.get(i).getAsJsonObject();
      DatasetEvaluation expected = result.datasets().get(i);
      ErrorStats s = expected.overall();
      assertEquals(expected.name(), d.get("name").getAsString());
      assertEquals(s.count(), d.get("count").getAsLong());
      assertEquals(s.accuracy(1), d.getAsJsonObject("accuracy").get("25").getAsDouble(), 0.0);
      assertEquals(s.withinCount(4),
          d.getAsJsonObject("withinCount").get("2500").getAsLong());
      assertEquals(s.medianKm(), d.get("medianKm").getAsDouble(), 0.0);
      assertEquals(s.percentilesKm()[4],
          d.getAsJsonObject("percentilesKm").get("p90").getAsDouble(), 0.0);
      assertEquals(3, d.getAsJsonObject("byScene3").size());
      assertEquals(16, d.getAsJsonObject("byScene16").size());
      assertEquals(2, d.getAsJsonArray("hierarchies").size());
      JsonObject analysis = d.getAsJsonObject("analysis");
      assertEquals(analyses.get(i).gini(), analysis.get("gini").getAsDouble(), 0.0);
      assertEquals(s.count(), analysis.get("images").getAsLong());
    }
    // Hierarchy 1: predicted i % 7 == true i % 7 for every image.
    JsonObject h1 = datasets.get(0).getAsJsonObject().getAsJsonArray("hierarchies").get(0)
        .getAsJsonObject();
    assertEquals(1.0, h1.get("accuracy").getAsDouble(), 0.0);
    assertEquals(2997, h1.get("labelled").getAsLong());
  }

  @Test
  void reportTableUsesThePaperLayout() throws IOException {
    String md = Files.readString(dir.resolve("report.md"));
    assertTrue(md.contains("| Dataset | Images | 1 km | 25 km | 200 km | 750 km | 2500 km "
        + "| Median km | Mean GeoScore |"), md);
    ErrorStats gws = result.dataset("GWS15k").orElseThrow().overall();
    String row = String.format(Locale.ROOT, "| GWS15k | 14955 | %.1f | %.1f | %.1f | %.1f | %.1f |",
        100 * gws.accuracy(0), 100 * gws.accuracy(1), 100 * gws.accuracy(2),
        100 * gws.accuracy(3), 100 * gws.accuracy(4));
    assertTrue(md.contains(row), row + "\n" + md);
    assertTrue(md.contains("| *Paper: GWS15k* | *14955* | *0.7* | *1.5* | *8.7* | *26.9* | *50.5* |"));
    assertTrue(md.contains("![Lorenz curve of images per city](lorenz-curve.png)"));
    assertTrue(md.contains("## Cell accuracy per hierarchy"));
    assertTrue(md.contains("| 0.51 |"), "paper Gini of GWS15k listed");
  }

  @Test
  void syntheticAccuraciesTrackThePaperRows() {
    // The generator draws errors from the paper's bands: a check of the whole pipeline.
    ErrorStats im2gps3k = result.dataset("Im2GPS3k").orElseThrow().overall();
    assertEquals(0.335, im2gps3k.accuracy(1), 0.03);
    assertEquals(0.761, im2gps3k.accuracy(4), 0.03);
  }

  @Test
  void reportHtmlIsTheMarkdownWithEveryPlotEmbeddedAndNoNetworkReference() throws IOException {
    String html = Files.readString(dir.resolve(HtmlReport.REPORT_HTML));
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"), "network or script");
    // 9 PNGs in the Markdown, 9 data URIs in the page, each the file's bytes.
    assertEquals(9, html.split("src=\"data:image/png;base64,", -1).length - 1);
    byte[] lorenz = Files.readAllBytes(dir.resolve("lorenz-curve.png"));
    assertTrue(html.contains("src=\"data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(lorenz) + "\""));
    assertTrue(html.contains("<th>Dataset</th>"), "the table is an HTML table");
    assertTrue(html.contains("<td>GWS15k</td>"));
    assertTrue(html.contains("<title>Geolocalization evaluation</title>"));
  }
}
