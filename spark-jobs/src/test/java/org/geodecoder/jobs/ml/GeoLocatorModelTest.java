package org.geodecoder.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.jobs.evaluate.EvaluateJob;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.jobs.testing.UntrainedScoringModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ML stage on real files in Spark local mode: synthetic JPEGs as a directory tree (plus one
 * truncated JPEG), read with Spark's {@code binaryFile} and {@code image} sources, a micro model
 * whose classes come from a real partition; compared with the score job on the same images.
 */
class GeoLocatorModelTest {
  private static final int N = 24;
  private static final String CORRUPT = "zz/corrupt.jpg";
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path images;
  private static Path manifest;
  private static Path model;
  private static Path partition;
  private static CellVocabulary vocabulary;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("GeoLocatorModelTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    Path synth = tmp.resolve("synth");
    SynthJob.run(spark, synth.toString(), true, new SynthGenerator(3, "photo", 72, 0.9f), 0, N, "dir");
    images = synth.resolve("images");
    manifest = synth.resolve("manifest.csv");
    byte[] any;
    try (Stream<Path> files = Files.walk(images)) {
      any = Files.readAllBytes(files.filter(f -> f.toString().endsWith(".jpg")).findFirst().orElseThrow());
    }
    Files.createDirectories(images.resolve("zz"));
    Files.write(images.resolve(CORRUPT), Arrays.copyOf(any, any.length / 2));
    UntrainedScoringModel fixture = UntrainedScoringModel.create(spark, tmp);
    partition = fixture.partition();
    vocabulary = fixture.vocabulary();
    model = fixture.model();
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  /** The README example: a directory of JPEGs read with binaryFile, id = path relative to the directory. */
  private static Dataset<Row> binaryImages() {
    String root = images.toUri().toString(); // file:/…/images/
    return spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString())
        .withColumn("id", regexp_replace(col("path"), "^file:/*" + java.util.regex.Pattern.quote(root.replaceFirst("^file:/*", "")), ""))
        // One partition in path order: the score job's batches for --partitions 1 (same images together).
        .repartition(1).sortWithinPartitions("path");
  }

  private static Map<String, Row> byId(List<Row> rows) {
    Map<String, Row> m = new HashMap<>();
    rows.forEach(r -> m.put(r.getAs("id"), r));
    return m;
  }

  @Test
  void binaryFileTransformEqualsTheScoreJobAndRejectsTheCorruptImage() {
    // The score job on the same directory, model, cells and batches.
    Path scoreOut = tmp.resolve("score");
    ScoreJob.run(spark, ScoreJob.parse(Map.of("input", images.toString(), "model", model.toString(), "cells",
        partition.toString(), "output", scoreOut.toString(), "partitions", "1", "batch-size", "4", "top-k", "3",
        "max-reject-fraction", "0.1")));
    Map<String, Row> score = byId(spark.read().parquet(scoreOut.resolve("predictions").toString()).collectAsList());
    assertEquals(N, score.size());

    GeoLocatorModel locator = GeoLocatorModel.load(model.toString(), partition.toString())
        .setInputCol("content").setBatchSize(4).setTopK(3);
    Dataset<Row> input = binaryImages();
    Dataset<Row> out = locator.transform(input);
    // Every input column kept, the outputs after them.
    List<String> inputCols = Arrays.asList(input.columns());
    assertEquals(inputCols, Arrays.asList(out.columns()).subList(0, inputCols.size()));
    Path parquet = tmp.resolve("stage-predictions");
    out.drop("content").write().parquet(parquet.toString());
    List<Row> rows = spark.read().parquet(parquet.toString()).collectAsList();
    assertEquals(N + 1, rows.size());
    int h = vocabulary.hierarchies();
    for (Row r : rows) {
      String id = r.getAs("id");
      if (id.equals(CORRUPT)) {
        assertEquals("truncated_image", r.getAs("reject_reason"));
        assertTrue(((String) r.getAs("reject_detail")).contains("JPEG"), r.toString());
        for (String c : List.of("lat", "lon", "cell_id", "class_label", "probability", "scene", "scene_confidence", "topk")) {
          assertNull(r.getAs(c), c + " of the rejected image");
        }
        assertEquals(images.resolve(CORRUPT).toFile().length(), (long) r.getAs("length"),
            "the input columns of a rejected row are kept");
        continue;
      }
      Row s = score.get(id);
      assertNotNull(s, "the score job has no prediction for " + id);
      assertNull(r.getAs("reject_reason"));
      // Exact: one code path, same batches.
      for (String c : List.of("lat", "lon", "cell_id", "class_label", "probability", "scene", "scene_confidence",
          "class_label_h1", "class_label_h" + h, "topk")) {
        assertEquals((Object) s.getAs(c), r.getAs(c), c + " of " + id);
      }
    }

    // Evaluate the stage's predictions: the same numbers as for the score job's.
    Path scored = tmp.resolve("stage-scored");
    spark.read().parquet(parquet.toString()).filter(col("reject_reason").isNull()).write().parquet(scored.toString());
    EvaluationResult stageEval = evaluate(scored, "stage");
    EvaluationResult scoreEval = evaluate(scoreOut.resolve("predictions"), "score");
    DatasetEvaluation a = stageEval.datasets().get(0);
    DatasetEvaluation b = scoreEval.datasets().get(0);
    assertEquals(N, a.overall().count());
    assertEquals(b.overall().medianKm(), a.overall().medianKm());
    for (int i = 0; i < a.overall().thresholds().size(); i++) {
      assertEquals(b.overall().withinCount(i), a.overall().withinCount(i));
    }
  }

  private static EvaluationResult evaluate(Path predictions, String name) {
    Map<String, String> o = new HashMap<>();
    o.put("predictions", name + "=" + predictions);
    o.put("ground-truth", manifest.toString());
    o.put("output", tmp.resolve("eval-" + name).toString());
    o.put("paper-comparison", "false");
    o.put("max-reject-fraction", "0.1");
    return EvaluateJob.run(spark, EvaluateJob.parse(o));
  }

  @Test
  void pipelineModelSavesAndLoadsWithSparksOwnLoader() throws Exception {
    SQLTransformer ids = new SQLTransformer().setStatement("SELECT *, substring_index(path, '/', -2) AS id FROM __THIS__");
    GeoLocatorModel locator = GeoLocatorModel.load(model.toString(), partition.toString())
        .setInputCol("content").setOutputPrefix("pred_").setBatchSize(4).setTopK(2);
    Dataset<Row> input = binaryImages().drop("id"); // the SQLTransformer stage makes the ids
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {ids, locator}).fit(input);
    List<Row> before = fitted.transform(input).drop("content").orderBy("path").collectAsList();

    Path saved = tmp.resolve("pipeline-model");
    fitted.write().overwrite().save(saved.toString());
    PipelineModel loaded = PipelineModel.load(saved.toString());
    GeoLocatorModel stage = (GeoLocatorModel) loaded.stages()[1];
    assertEquals(locator.uid(), stage.uid());
    assertEquals("pred_", stage.getOutputPrefix());
    assertEquals(2, stage.getTopK());
    assertEquals(4, stage.getBatchSize());
    assertTrue(stage.hasCellIds());
    // The saved stage holds its own copy of the model: the original directory is not needed.
    assertTrue(stage.modelUri().startsWith(saved.toUri().toString().replaceFirst("/$", "").replace("file:///", "file:/")),
        stage.modelUri());
    List<Row> after = loaded.transform(input).drop("content").orderBy("path").collectAsList();
    assertEquals(before, after);
    assertEquals(N + 1, after.size());
    assertEquals(N, after.stream().filter(r -> r.getAs("pred_class_label") != null).count());

    // And the stage alone.
    Path single = tmp.resolve("stage");
    stage.write().save(single.toString());
    GeoLocatorModel again = GeoLocatorModel.load(single.toString());
    assertEquals("content", again.getInputCol());
    assertEquals("pred_", again.getOutputPrefix());
    assertEquals(2, again.getTopK());
    assertEquals(stage.outputColumns(), again.outputColumns());
  }

  @Test
  void sparkImageStructGivesTheSamePredictionsAsEncodedBytes() {
    GeoLocatorModel locator = GeoLocatorModel.load(model.toString()).setInputCol("image").setBatchSize(4);
    assertTrue(!locator.hasCellIds(), "model.json names no cells table and none was given");
    Dataset<Row> structs = spark.read().format("image").option("recursiveFileLookup", "true")
        .load(images.toString()).repartition(1).sortWithinPartitions("image.origin");
    Map<String, Row> fromStructs = new HashMap<>();
    for (Row r : locator.transform(structs).select(col("image.origin").as("path"), col("class_label"), col("probability"),
        col("lat"), col("reject_reason")).collectAsList()) {
      fromStructs.put(Path.of(java.net.URI.create((String) r.getAs("path"))).toString(), r);
    }
    Map<String, Row> fromBytes = new HashMap<>();
    for (Row r : locator.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("content").transform(binaryImages())
        .select(col("path"), col("class_label"), col("probability"), col("lat")).collectAsList()) {
      fromBytes.put(Path.of(java.net.URI.create((String) r.getAs("path"))).toString(), r);
    }
    int compared = 0;
    for (Map.Entry<String, Row> e : fromStructs.entrySet()) {
      if (e.getKey().endsWith(CORRUPT)) {
        continue; // ImageIO decodes a truncated JPEG into a half-grey image; the binary path refuses it
      }
      Row b = fromBytes.get(e.getKey());
      assertNotNull(b, e.getKey());
      assertNull(e.getValue().getAs("reject_reason"));
      assertEquals((Object) b.getAs("class_label"), e.getValue().getAs("class_label"), e.getKey());
      assertEquals((double) b.getAs("probability"), (double) e.getValue().getAs("probability"), 1e-6, e.getKey());
      assertEquals((double) b.getAs("lat"), (double) e.getValue().getAs("lat"), 1e-9, e.getKey());
      compared++;
    }
    assertEquals(N, compared);
  }

  @Test
  void schemaErrorsNameTheColumn() {
    GeoLocatorModel locator = GeoLocatorModel.load(model.toString(), partition.toString());
    Dataset<Row> df = binaryImages();
    IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> locator.transform(df));
    assertTrue(missing.getMessage().contains("'image'") && missing.getMessage().contains("content"), missing.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> locator.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("path").transform(df));
    assertTrue(type.getMessage().contains("'path'") && type.getMessage().contains("string"), type.getMessage());
    IllegalArgumentException clash = assertThrows(IllegalArgumentException.class,
        () -> locator.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("content").transform(df.withColumn("lat", col("length"))));
    assertTrue(clash.getMessage().contains("[lat]") && clash.getMessage().contains("outputPrefix"), clash.getMessage());
    IllegalArgumentException topK = assertThrows(IllegalArgumentException.class,
        () -> locator.copy(new org.apache.spark.ml.param.ParamMap()).setInputCol("content").setTopK(999).transform(df));
    assertTrue(topK.getMessage().contains("topK"), topK.getMessage());
  }
}
