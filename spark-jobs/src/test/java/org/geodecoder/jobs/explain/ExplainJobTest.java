package org.geodecoder.jobs.explain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.geodecoder.model.transform.ImageDecoder;
import org.geodecoder.model.transform.ImageTransforms;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.jobs.testing.UntrainedScoringModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The explain job in Spark local mode on real files: synthetic JPEGs as a directory tree (plus
 * one truncated JPEG) and as ingest shards (with true locations), a micro model whose classes
 * come from a real partition.
 */
class ExplainJobTest {
  private static final int N = 6;
  private static final String CORRUPT = "zz/corrupt.jpg";
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path images;
  private static Path shards;
  private static Path model;
  private static Path partition;
  private static CellVocabulary vocabulary;
  private static Map<String, byte[]> goodImages;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("ExplainJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    Path synth = tmp.resolve("synth");
    SynthJob.run(spark, synth.toString(), true, new SynthGenerator(3, "photo", 64, 0.9f), 0, N, "dir");
    images = synth.resolve("images");
    goodImages = new HashMap<>();
    try (Stream<Path> files = Files.walk(images)) {
      for (Path f : files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")).toList()) {
        goodImages.put(images.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    assertEquals(N, goodImages.size());
    shards = tmp.resolve("ingest");
    IngestJob.run(spark, IngestOptions.parse(Map.of("manifest", synth.resolve("manifest.csv").toString(),
        "images", images.toString(), "output", shards.toString())));
    byte[] any = goodImages.values().iterator().next();
    Files.createDirectories(images.resolve("zz"));
    Files.write(images.resolve(CORRUPT), Arrays.copyOf(any, any.length / 2)); // after ingest, which would reject it
    UntrainedScoringModel fixture = UntrainedScoringModel.create(spark, tmp);
    partition = fixture.partition();
    vocabulary = fixture.vocabulary();
    model = fixture.model();
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static ExplainJob.Result explain(Path input, Path out, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("input", input.toString());
    m.put("model", model.toString());
    m.put("cells", partition.toString());
    m.put("output", out.toString());
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ExplainJob.run(spark, ExplainJob.parse(m));
  }

  @Test
  void explainsEveryGoodImageRejectsTheCorruptOneAndWritesSelfContainedReports() throws Exception {
    Path out = tmp.resolve("out-dir");
    ExplainJob.Result r = explain(images, out, "top-k", "3", "batch-size", "4");
    assertEquals(N + 1, r.imagesRead());
    assertEquals(N, r.imagesExplained());
    assertEquals(Map.of("truncated_image", 1L), r.rejectsByReason());
    assertArrayEquals(new int[] {1, 2}, r.hierarchies(), "auto on 2 hierarchies: coarsest and finest");
    List<Row> rejects = spark.read().parquet(out.resolve("rejects").toString()).collectAsList();
    assertEquals(1, rejects.size());
    assertEquals(CORRUPT, rejects.get(0).getAs("id"));
    assertEquals("truncated_image", rejects.get(0).getAs("reason"));

    // One readable PNG panel per good image.
    assertEquals(N, r.panels().size());
    for (String panel : r.panels()) {
      BufferedImage png = ImageIO.read(out.resolve(panel).toFile());
      assertTrue(png.getWidth() > 900 && png.getHeight() > 700, panel + " " + png.getWidth() + "x" + png.getHeight());
    }
    // The table holds what the predictor says for each image.
    String md = Files.readString(out.resolve("report.md"));
    try (GeoModel m = GeoModel.load(model, Device.cpu()); NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      GeoPredictor predictor = new GeoPredictor(m, 3);
      ImageTransforms t = ImageTransforms.forImageSize(m.config().imageSize());
      for (Map.Entry<String, byte[]> e : goodImages.entrySet()) {
        NDArray x = t.evalCenter(ImageDecoder.decode(e.getValue(), nd)).expandDims(0);
        Prediction p = predictor.predict(x).get(0);
        String token = vocabulary.cell(1, p.top().classLabel()).cellToken();
        String row = String.format(java.util.Locale.ROOT, "| %s | %.2f, %.2f | %s | %s | %d (", e.getKey().replace("_", "\\_"),
            p.latDegrees(), p.lonDegrees(), token, org.geodecoder.eval.report.ExplainReport.probability(p.top().probability()),
            p.scene());
        assertTrue(md.contains(row), row + "\n" + md);
      }
    }
    assertTrue(md.contains("| zz/corrupt.jpg | truncated\\_image |"), md);

    // report.html: every panel embedded, nothing fetched; index.html: the panels linked.
    String html = Files.readString(out.resolve("report.html"));
    assertEquals(N, html.split("src=\"data:image/png;base64,", -1).length - 1);
    assertFalse(html.contains("http://") || html.contains("https://") || html.contains("<script"));
    String index = Files.readString(out.resolve("index.html"));
    for (String panel : r.panels()) {
      assertTrue(index.contains("<img src=\"" + panel + "\""), panel);
    }
    assertFalse(index.contains("http://") || index.contains("https://"));
    // To look at the reports: mvn test -Dtest=ExplainJobTest -Dgeodecoder.explain.copyTo=/tmp/explain
    String copyTo = System.getProperty("geodecoder.explain.copyTo");
    if (copyTo != null) {
      try (Stream<Path> files = Files.walk(out)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          Path to = Path.of(copyTo).resolve(out.relativize(f).toString());
          Files.createDirectories(to.getParent());
          Files.copy(f, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  @Test
  void anIdsListFromShardsExplainsThoseImagesWithTheirTrueLocationAndError() throws Exception {
    List<Row> shardRows = spark.read().parquet(shards.resolve("shards").toString()).select("id", "lat", "lon")
        .orderBy("id").collectAsList();
    List<String> wanted = List.of(shardRows.get(0).getString(0), shardRows.get(3).getString(0));
    Path ids = Files.write(tmp.resolve("ids.txt"), List.of(wanted.get(1), "", "  " + wanted.get(0) + " ", "no-such-id"));
    Path out = tmp.resolve("out-ids");
    ExplainJob.Result r = explain(shards, out, "ids", ids.toString(), "hierarchies", "2", "top-k", "2");
    assertEquals(2, r.imagesExplained());
    assertEquals(Map.of(), r.rejectsByReason());
    assertArrayEquals(new int[] {2}, r.hierarchies());
    String md = Files.readString(out.resolve("report.md"));
    List<String> lines = new ArrayList<>(md.lines().filter(l -> l.startsWith("| 1 |") || l.startsWith("| 2 |")).toList());
    assertEquals(2, lines.size(), md);
    for (Row s : List.of(shardRows.get(0), shardRows.get(3))) {
      String line = lines.stream().filter(l -> l.contains("| " + s.getString(0) + " |")).findFirst().orElseThrow();
      String[] cells = line.split("\\|");
      String[] predicted = cells[3].trim().split(", ");
      double km = GreatCircle.distanceKm(Double.parseDouble(predicted[0]), Double.parseDouble(predicted[1]),
          s.getDouble(1), s.getDouble(2));
      assertEquals(String.format(java.util.Locale.ROOT, "%.2f, %.2f", s.getDouble(1), s.getDouble(2)), cells[8].trim());
      // The table rounds the predicted location to 0.01°: about 1.6 km at most.
      assertEquals(km, Double.parseDouble(cells[9].trim()), 2.5, line);
    }
  }

  @Test
  void maxImagesBoundsTheWorkAndBadHierarchiesAreNamed() throws Exception {
    ExplainJob.Result r = explain(images, tmp.resolve("out-max"), "max-images", "2");
    assertEquals(2, r.imagesRead());
    OptionException e = assertThrows(OptionException.class,
        () -> explain(images, tmp.resolve("out-bad"), "hierarchies", "1,3"));
    assertTrue(e.getMessage().contains("--hierarchies") && e.getMessage().contains("the model has 2 hierarchies"), e.getMessage());
    assertThrows(OptionException.class, () -> ExplainJob.parse(Map.of("input", "x", "model", "m", "hierarchies", "0,1")));
  }
}
