package org.geodecoder.jobs.score;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.inference.CellPrediction;
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
 * The score job on real files in Spark local mode: a micro model whose classes come from a real
 * partition of synthetic points, synthetic JPEGs as a directory tree, a tar archive and ingest
 * shards, and one corrupt image.
 */
class ScoreJobTest {
  private static final int N = 24;
  private static final String CORRUPT = "zz/corrupt.jpg";
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path images;
  private static Path tar;
  private static Path shards;
  private static Path model;
  private static Path partition;
  private static CellVocabulary vocabulary;
  private static Map<String, byte[]> goodImages;

  /** Models loaded in this JVM before this class (other test classes score too). */
  private static long loadsBefore;

  @BeforeAll
  static void setUp() throws Exception {
    loadsBefore = ModelCache.loads();
    spark = SparkSession.builder().master("local[2]").appName("ScoreJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    Path synth = tmp.resolve("synth");
    SynthJob.run(spark, synth.toString(), true, new SynthGenerator(3, "photo", 72, 0.9f), 0, N, "dir");
    images = synth.resolve("images");
    goodImages = new HashMap<>();
    try (Stream<Path> files = Files.walk(images)) {
      // Hadoop's local filesystem writes a hidden .crc beside each file.
      for (Path f : files.filter(f -> Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")).toList()) {
        goodImages.put(images.relativize(f).toString(), Files.readAllBytes(f));
      }
    }
    assertEquals(N, goodImages.size());
    // Shards by the real ingest job; one author per photo, so that both splits hold images.
    List<String> manifest = new ArrayList<>();
    for (String line : Files.readAllLines(synth.resolve("manifest.csv"))) {
      String[] f = line.split(",", -1);
      f[1] = manifest.isEmpty() ? f[1] : "author-" + f[0];
      manifest.add(String.join(",", f));
    }
    Path manifestFile = Files.write(tmp.resolve("manifest.csv"), manifest);
    shards = tmp.resolve("ingest");
    IngestJob.run(spark, IngestOptions.parse(Map.of("manifest", manifestFile.toString(),
        "images", images.toString(), "output", shards.toString(), "split", "author:0.4")));
    // The corrupt image goes into the tree after ingest (which would reject it): a truncated JPEG.
    byte[] any = goodImages.values().iterator().next();
    Files.createDirectories(images.resolve("zz"));
    Files.write(images.resolve(CORRUPT), Arrays.copyOf(any, any.length / 2));
    tar = tmp.resolve("tars/all.tar");
    Files.createDirectories(tar.getParent());
    try (OutputStream raw = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(raw)) {
      List<String> names = new ArrayList<>(goodImages.keySet());
      names.add(CORRUPT);
      names.sort(null);
      for (String name : names) {
        byte[] data = Files.readAllBytes(images.resolve(name));
        TarArchiveEntry e = new TarArchiveEntry("./" + name);
        e.setSize(data.length);
        out.putArchiveEntry(e);
        out.write(data);
        out.closeArchiveEntry();
      }
    }
    UntrainedScoringModel fixture = UntrainedScoringModel.create(spark, tmp);
    partition = fixture.partition();
    vocabulary = fixture.vocabulary();
    model = fixture.model();
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static ScoreJob.Options options(Path input, Path out, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("input", input.toString());
    m.put("model", model.toString());
    m.put("output", out.toString());
    m.put("max-reject-fraction", "0.1");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return ScoreJob.parse(m);
  }

  private static ScoreJob.Result score(Path input, Path out, String... kv) {
    return ScoreJob.run(spark, options(input, out, kv));
  }

  private static List<Row> predictions(Path out) {
    return spark.read().parquet(out.resolve("predictions").toString()).orderBy("id").collectAsList();
  }

  /** What GeoPredictor says for each image, one image at a time, outside Spark. */
  private static Map<String, Prediction> direct(int topK) {
    Map<String, Prediction> out = new HashMap<>();
    try (GeoModel m = GeoModel.load(model, Device.cpu()); NDManager nd = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      GeoPredictor predictor = new GeoPredictor(m, topK);
      ImageTransforms t = ImageTransforms.forImageSize(m.config().imageSize());
      for (Map.Entry<String, byte[]> e : goodImages.entrySet()) {
        try (NDManager one = nd.newSubManager()) {
          NDArray x = t.evalCenter(ImageDecoder.decode(e.getValue(), one)).expandDims(0);
          out.put(e.getKey(), predictor.predict(x).get(0));
        }
      }
    }
    return out;
  }

  @Test
  void directoryTarAndShardsMatchThePredictorAndRejectTheCorruptImage() throws Exception {
    Path out = tmp.resolve("out-dir");
    ScoreJob.Result r = score(images, out, "top-k", "3", "cells", partition.toString(), "partitions", "3");
    assertEquals("dir", r.inputFormat());
    assertEquals(N + 1, r.imagesRead());
    assertEquals(N, r.imagesScored());
    assertEquals(Map.of("truncated_image", 1L), r.rejectsByReason());
    assertEquals(partition.toString(), r.cellIds());
    assertEquals(List.of("cpu"), r.devices());
    assertTrue(r.modelUtilization() > 0 && r.modelUtilization() <= 1, "model utilization " + r.modelUtilization());
    List<Row> rejects = spark.read().parquet(out.resolve("rejects").toString()).collectAsList();
    assertEquals(1, rejects.size());
    assertEquals(CORRUPT, rejects.get(0).getAs("id"));
    assertEquals("truncated_image", rejects.get(0).getAs("reason"));

    List<Row> dir = predictions(out);
    assertEquals(N, dir.size());
    Map<String, Prediction> expected = direct(3);
    int h = vocabulary.hierarchies();
    for (Row row : dir) {
      Prediction p = expected.get((String) row.getAs("id"));
      assertNotNull(p, "unknown id " + row.getAs("id"));
      int c = row.getAs("class_label");
      assertEquals(p.top().classLabel(), c);
      assertEquals(p.latDegrees(), (double) row.getAs("lat"), 1e-9);
      assertEquals(p.lonDegrees(), (double) row.getAs("lon"), 1e-9);
      assertEquals(p.top().probability(), (double) row.getAs("probability"), 1e-5);
      assertEquals(p.scene(), (int) row.getAs("scene"));
      assertEquals(p.sceneConfidence(), (double) row.getAs("scene_confidence"), 1e-5);
      assertEquals(vocabulary.cell(h - 1, c).cellToken(), row.getAs("cell_id"));
      assertEquals(c, (int) row.getAs("class_label_h" + h));
      assertEquals(vocabulary.cell(h - 1, c).parentClass(), (int) row.getAs("class_label_h" + (h - 1)));
      List<Row> topk = row.getList(row.fieldIndex("topk"));
      assertEquals(3, topk.size());
      for (int k = 0; k < 3; k++) {
        CellPrediction cell = p.cells().get(k);
        assertEquals(cell.classLabel(), (int) topk.get(k).getAs("class_label"));
        assertEquals(cell.probability(), (double) topk.get(k).getAs("probability"), 1e-5);
        assertEquals(cell.latDegrees(), (double) topk.get(k).getAs("lat"), 1e-9);
      }
    }
    JsonNode summary = new ObjectMapper().readTree(out.resolve("summary.json").toFile());
    assertEquals(N + 1, summary.get("images_read").asLong());
    assertEquals(N, summary.get("images_scored").asLong());
    assertEquals("ok", summary.get("status").asText());
    assertTrue(summary.get("task_seconds").get("forward").asDouble() > 0, summary.toString());
    assertTrue(summary.get("forward_fraction").asDouble() > 0, summary.toString());

    // The same images from a tar archive (ids: member paths) and from ingest shards (ids: manifest ids).
    ScoreJob.Result fromTar = score(tar, tmp.resolve("out-tar"), "top-k", "3", "cells", partition.toString());
    assertEquals("tar", fromTar.inputFormat());
    assertEquals(Map.of("truncated_image", 1L), fromTar.rejectsByReason());
    assertSamePredictions(dir, predictions(tmp.resolve("out-tar")), 1e-5);

    ScoreJob.Result fromShards = score(shards, tmp.resolve("out-shards"), "top-k", "3", "cells", partition.toString());
    assertEquals("shards", fromShards.inputFormat());
    assertEquals(Map.of(), fromShards.rejectsByReason());
    assertFalse(Files.exists(tmp.resolve("out-shards/rejects")));
    List<Row> fromShardRows = predictions(tmp.resolve("out-shards"));
    assertSamePredictions(dir, fromShardRows, 1e-5);
    Map<String, double[]> truth = new HashMap<>();
    for (Row s : spark.read().parquet(shards.resolve("shards").toString()).collectAsList()) {
      truth.put(s.getAs("id"), new double[] {s.getAs("lat"), s.getAs("lon"), (int) s.getAs("scene16")});
    }
    for (Row row : fromShardRows) {
      double[] t = truth.get((String) row.getAs("id"));
      assertEquals(t[0], (double) row.getAs("true_lat"));
      assertEquals(t[1], (double) row.getAs("true_lon"));
      assertEquals((int) t[2], (int) row.getAs("scene16"));
    }
    assertFalse(Arrays.asList(dir.get(0).schema().fieldNames()).contains("true_lat"), "a directory tree carries no truth");
  }

  @Test
  void sameInputGivesTheSamePredictionsAcrossRunsAndPartitionings() {
    score(images, tmp.resolve("det-a"), "partitions", "3", "batch-size", "4");
    score(images, tmp.resolve("det-b"), "partitions", "3", "batch-size", "4", "files", "1");
    ScoreJob.Result one = score(images, tmp.resolve("det-c"), "partitions", "1", "batch-size", "4");
    assertEquals(1, one.partitions());
    List<Row> a = predictions(tmp.resolve("det-a"));
    assertEquals(a, predictions(tmp.resolve("det-b")), "two runs, same batches: identical rows");
    assertSamePredictions(a, predictions(tmp.resolve("det-c")), 1e-6);
    assertEquals(1, parquetFiles(tmp.resolve("det-b/predictions")), "--files 1");
    List<Row> rows = spark.read().parquet(tmp.resolve("det-b/predictions").toString()).collectAsList();
    for (int i = 1; i < rows.size(); i++) {
      assertTrue(rows.get(i - 1).<String>getAs("id").compareTo(rows.get(i).getAs("id")) < 0, "sorted by id");
    }
    assertNull(rows.get(0).getAs("cell_id"), "no --cells and model.json names no cells table");
    // Every run of this class scores with the same model on the CPU: loaded once in this JVM.
    assertEquals(1, ModelCache.loads() - loadsBefore);
    assertFalse(Arrays.asList(rows.get(0).schema().fieldNames()).contains("topk"), "top-k 1: no topk column");
  }

  @Test
  void shardSplitTenCropAndTooManyRejects() throws Exception {
    long val = spark.read().parquet(shards.resolve("shards").toString()).filter("split = 'val'").count();
    assertTrue(val > 0 && val < N, "the test data should have both splits: " + val);
    ScoreJob.Result r = score(shards.resolve("shards"), tmp.resolve("split-val"), "split", "val", "tencrop", "true");
    assertEquals(val, r.imagesScored());

    Path out = tmp.resolve("strict");
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> score(images, out, "max-reject-fraction", "0.01"));
    assertTrue(e.getMessage().contains("1 of 25 images") && e.getMessage().contains("--max-reject-fraction"), e.getMessage());
    assertEquals(1, spark.read().parquet(out.resolve("rejects").toString()).count(), "rejects are written before failing");
    assertEquals("failed", new ObjectMapper().readTree(out.resolve("summary.json").toFile()).get("status").asText());
    assertFalse(Files.exists(out.resolve("predictions")));
  }

  @Test
  void optionErrorsNameTheOption() {
    Path out = tmp.resolve("never");
    assertOption("--batch-size", () -> options(images, out, "batch-size", "0"));
    assertOption("--device", () -> options(images, out, "device", "tpu"));
    assertOption("--input-format", () -> options(images, out, "input-format", "zip"));
    assertOption("--split", () -> options(images, out, "input-format", "dir", "split", "val"));
    assertOption("--split", () -> score(tar, tmp.resolve("split-tar"), "split", "train"));
    assertOption("--top-k", () -> score(images, tmp.resolve("topk"), "top-k", "1000"));
    assertOption("Unknown options [batch]", () -> options(images, out, "batch", "3"));
    assertOption("--input", () -> ScoreJob.parse(Map.of("model", model.toString())));
    JobFailedException noModel = assertThrows(JobFailedException.class,
        () -> ScoreJob.run(spark, ScoreJob.parse(Map.of("input", images.toString(), "model", tmp.resolve("nomodel").toString(),
            "output", out.toString()))));
    assertTrue(noModel.getMessage().contains("--model") && noModel.getMessage().contains("nomodel"), noModel.getMessage());
    if (ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0) {
      JobFailedException noGpu = assertThrows(JobFailedException.class,
          () -> score(images, tmp.resolve("gpu"), "device", "gpu"));
      assertTrue(noGpu.getMessage().contains("--device gpu"), noGpu.getMessage());
    }
    JobFailedException noInput = assertThrows(JobFailedException.class, () -> score(tmp.resolve("nothing"), out));
    assertTrue(noInput.getMessage().contains("--input"), noInput.getMessage());
    JobFailedException badCells = assertThrows(JobFailedException.class,
        () -> score(images, tmp.resolve("bad-cells"), "cells", shards.resolve("shards").toString()));
    assertTrue(badCells.getMessage().contains("--cells"), badCells.getMessage());
    assertFalse(Files.exists(out), "nothing is written for bad options");
    // A cells table of another partition is recognised as such.
    double[][] other = org.geodecoder.jobs.testing.TestData.points(5000, 99);
    CellVocabulary foreign = org.geodecoder.s2.Partitioners.inMemory(other[0], other[1],
        org.geodecoder.s2.PartitionParams.of(20, 2000, 400));
    assertNotNull(ScoreJob.mismatch(foreign, ClassHierarchy.fromVocabulary(vocabulary)));
    assertNull(ScoreJob.mismatch(vocabulary, ClassHierarchy.fromVocabulary(vocabulary)));
  }

  private static void assertOption(String expected, org.junit.jupiter.api.function.Executable call) {
    OptionException e = assertThrows(OptionException.class, call);
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }

  /** Same ids, classes and locations; probabilities within {@code tolerance}. */
  private static void assertSamePredictions(List<Row> a, List<Row> b, double tolerance) {
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      Row x = a.get(i);
      Row y = b.get(i);
      assertEquals(x.<String>getAs("id"), y.getAs("id"));
      assertEquals(x.<Integer>getAs("class_label"), y.<Integer>getAs("class_label"), "class of " + x.getAs("id"));
      assertEquals((double) x.getAs("lat"), (double) y.getAs("lat"), 1e-9);
      assertEquals((double) x.getAs("lon"), (double) y.getAs("lon"), 1e-9);
      assertEquals((double) x.getAs("probability"), (double) y.getAs("probability"), tolerance);
      assertEquals(x.<Integer>getAs("scene"), y.<Integer>getAs("scene"));
    }
  }

  private static long parquetFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

}
