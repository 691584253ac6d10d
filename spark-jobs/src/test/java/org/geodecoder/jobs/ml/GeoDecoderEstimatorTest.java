package org.geodecoder.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.ingest.AuthorSplit;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.partition.CellTables;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.train.TrainJob;
import org.geodecoder.jobs.train.TrainOptions;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The estimator in a Spark ML {@code Pipeline} on a DataFrame of synthetic photos (the real
 * synth and ingest jobs' shards, split column dropped): it writes ingest's split, partitions the
 * training split, trains, and gives the same weights as the train job on the same inputs.
 */
class GeoDecoderEstimatorTest {
  private static final int COUNT = 96;
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Dataset<Row> photos;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("GeoDecoderEstimatorTest").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    new SynthJob().prepare(Map.of("output", tmp.resolve("synth").toString(), "count", Integer.toString(COUNT),
        "image-size", "64", "seed", "7")).run(spark);
    IngestJob.run(spark, IngestOptions.parse(Map.of("manifest", tmp.resolve("synth/manifest.csv").toString(),
        "output", tmp.resolve("ingest").toString(), "split", "none")));
    photos = spark.read().parquet(tmp.resolve("ingest/shards").toString()).drop("split");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static GeoDecoderEstimator estimator(Path workDir) {
    return new GeoDecoderEstimator().setWorkDir(workDir.toString()).setAuthorCol("author").setValFraction(0.2)
        .setTmin("3").setTmax("60,25").setPreset("micro").setEpochs(1).setBatchSize(16).setLr(0.02).setSeed(11)
        .setTrainOptions("val-samples=8", "log-every=1", "max-steps=2"); // a few steps: enough to compare weights
  }

  @Test
  void fitInAPipelineRunsPartitionAndTrainAndGivesTheTrainJobsWeights() throws Exception {
    Path work = tmp.resolve("work");
    GeoDecoderEstimator estimator = estimator(work);
    PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {estimator}).fit(photos);
    GeoLocatorModel model = (GeoLocatorModel) fitted.stages()[0];
    assertTrue(model.parent() == estimator, "the model's parent is the estimator");

    // Shards: every row, with ingest's author-disjoint split.
    AuthorSplit split = AuthorSplit.parse("author:0.2");
    List<Row> shards = spark.read().parquet(work.resolve("shards").toString()).collectAsList();
    assertEquals(COUNT, shards.size());
    long train = 0;
    for (Row r : shards) {
      assertEquals(split.splitOf(r.getAs("author")), r.getAs("split"), "split of " + r.getAs("id"));
      train += "train".equals(r.getAs("split")) ? 1 : 0;
    }
    assertTrue(train > 0 && train < COUNT, "both splits hold photos: " + train);
    // Partition: fitted on the training split alone.
    ObjectMapper json = new ObjectMapper();
    assertEquals(train, json.readTree(work.resolve("partition/summary.json").toFile()).get("rows_fitted").asLong());
    int[] classes = ClassHierarchy.fromVocabulary(CellTables.read(spark, work.resolve("partition").toString())).classCounts();
    assertArrayEquals(classes, model.modelConfig().hierarchy().classCounts());
    assertEquals(2, classes.length);
    assertTrue(model.hasCellIds());
    assertEquals(Math.min(2, train / 16), json.readTree(work.resolve("train/summary.json").toFile()).get("steps").asLong());

    // The fitted pipeline geolocates every photo and keeps its columns.
    Dataset<Row> out = fitted.transform(photos);
    assertEquals(Arrays.asList(photos.columns()), Arrays.asList(out.columns()).subList(0, photos.columns().length));
    assertEquals(COUNT, out.filter(col("pred_lat").isNotNull().and(col("reject_reason").isNull())).count());

    // Reuse, not a copy of the jobs: the train job on the same inputs gives the same weights.
    Map<String, String> direct = new HashMap<>(estimator.trainJobOptions());
    direct.put("output", tmp.resolve("direct-train").toString());
    TrainJob.run(spark, TrainOptions.parse(direct));
    try (GeoModel a = GeoModel.load(tmp.resolve("direct-train/model"), Device.cpu());
        GeoModel b = GeoModel.load(work.resolve("train/model"), Device.cpu())) {
      assertArrayEquals(a.flatParameters(), b.flatParameters());
    }

    // The fitted PipelineModel saves and loads with Spark's loader.
    Path saved = tmp.resolve("fitted");
    fitted.write().save(saved.toString());
    List<Row> again = PipelineModel.load(saved.toString()).transform(photos).select("id", "pred_class_label", "pred_probability")
        .orderBy("id").collectAsList();
    assertEquals(out.select("id", "pred_class_label", "pred_probability").orderBy("id").collectAsList(), again);
  }

  @Test
  void badParamsFailBeforeAnyWork() {
    Path work = tmp.resolve("never");
    OptionException epochs = assertThrows(OptionException.class,
        () -> new Pipeline().setStages(new PipelineStage[] {estimator(work).setTrainOptions("epochs=0")}).fit(photos));
    assertTrue(epochs.getMessage().contains("--epochs"), epochs.getMessage());
    IllegalArgumentException noWorkDir = assertThrows(IllegalArgumentException.class, () -> new GeoDecoderEstimator().fit(photos));
    assertTrue(noWorkDir.getMessage().contains("workDir"), noWorkDir.getMessage());
    IllegalArgumentException noAuthor = assertThrows(IllegalArgumentException.class,
        () -> estimator(work).setAuthorCol("photographer").fit(photos));
    assertTrue(noAuthor.getMessage().contains("'photographer'"), noAuthor.getMessage());
    IllegalArgumentException badImage = assertThrows(IllegalArgumentException.class,
        () -> estimator(work).setImageCol("id").fit(photos));
    assertTrue(badImage.getMessage().contains("binary"), badImage.getMessage());
    assertFalse(Files.exists(work), "nothing is written for bad params");
  }

  @Test
  void anUnfittedEstimatorSavesAndLoadsItsParams() throws Exception {
    GeoDecoderEstimator e = estimator(tmp.resolve("w")).setOutputPrefix("geo_");
    Path saved = tmp.resolve("estimator");
    e.write().save(saved.toString());
    GeoDecoderEstimator loaded = GeoDecoderEstimator.load(saved.toString());
    assertEquals(e.uid(), loaded.uid());
    assertEquals(e.trainJobOptions(), loaded.trainJobOptions());
    assertEquals(e.partitionJobOptions(), loaded.partitionJobOptions());
    assertEquals("geo_", loaded.getOrDefault(loaded.outputPrefix()));
  }
}
