package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingReportTest {
  @TempDir Path dir;

  @Test
  void writesLossAndValidationPlotsAndTheEpochTableInMarkdownAndHtml() throws Exception {
    List<TrainingReport.Step> steps = new ArrayList<>();
    for (int s = 1; s <= 40; s++) {
      steps.add(new TrainingReport.Step(s <= 20 ? 1 : 2, s, 10.0 / s, s <= 20 ? 0.02 : 0.01,
          Map.of("h1", 4.0 / s, "h2", 6.0 / s, "scene", s == 3 ? Double.NaN : 1.0), 30.0 + s));
    }
    Map<String, Double> v1 = new LinkedHashMap<>();
    v1.put("count", 160.0);
    v1.put("acc_1km", 0.0);
    v1.put("acc_25km", 0.0125);
    v1.put("acc_200km", 0.15);
    v1.put("acc_750km", 0.40);
    v1.put("acc_2500km", 0.746);
    v1.put("median_km", 1020.4);
    v1.put("acc_class_h1", 0.5);
    v1.put("baseline_majority_acc_h1", 0.3);
    Map<String, Double> v2 = new LinkedHashMap<>(v1);
    v2.put("acc_2500km", 0.8);
    List<TrainingReport.Epoch> epochs = List.of(new TrainingReport.Epoch(1, 20, 61.2, v1),
        new TrainingReport.Epoch(2, 40, 59.8, v2));
    List<Path> files = TrainingReport.write(dir, Map.of("preset", "micro"), steps, epochs);
    assertEquals(List.of("loss.png", "loss-terms.png", "learning-rate.png", "throughput.png", "validation.png", "median-km.png",
        "report.md", "report.html"), files.stream().map(p -> p.getFileName().toString()).toList());
    assertEquals(List.of("h1", "h2", "scene"), TrainingReport.lossTerms(steps));
    BufferedImage loss = ImageIO.read(dir.resolve("loss.png").toFile());
    assertEquals(Charts.WIDTH, loss.getWidth());
    String md = Files.readString(dir.resolve("report.md"));
    assertTrue(md.contains("| Epoch | Step | Seconds | 1 km | 25 km | 200 km | 750 km | 2500 km | class h1 | Median km |"), md);
    assertTrue(md.contains("| 1 | 20 | 61 | 0.0 | 1.3 | 15.0 | 40.0 | 74.6 | 50.0 | 1020 |"), md);
    assertTrue(md.contains("| 2 | 40 | 60 | 0.0 | 1.3 | 15.0 | 40.0 | 80.0 | 50.0 | 1020 |"), md);
    assertTrue(md.contains("| preset | micro |"));
    String html = Files.readString(dir.resolve("report.html"));
    assertEquals(6, html.split("src=\"data:image/png;base64,", -1).length - 1);
    assertTrue(md.contains("Majority-class baseline") && md.contains("30.0 %"), md);
    assertFalse(html.contains("http://") || html.contains("https://"));
  }

  @Test
  void withoutValidationOnlyTheLossIsPlotted() throws Exception {
    List<Path> files = TrainingReport.write(dir, Map.of(), List.of(new TrainingReport.Step(1, 1, 2.0, Double.NaN)),
        List.of(new TrainingReport.Epoch(1, 1, 3.0, Map.of())));
    assertEquals(List.of("loss.png", "report.md", "report.html"), files.stream().map(p -> p.getFileName().toString()).toList());
  }
}
