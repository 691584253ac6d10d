package org.geodecoder.jobs.ml;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.Device;
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
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.jobs.testing.TestData;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.Partitioners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ML stage on a real standalone master + 2 workers on 127.0.0.1 (our code from the assembly
 * jar): its predictions equal the score job's on the same images and model, exactly; a
 * corrupt image is a reject row; a saved PipelineModel loads and gives the same rows.
 */
class GeoLocatorOnClusterIT {
  private static final int N = 16;
  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();
  @TempDir static Path tmp;

  @Test
  void stageOnTwoWorkersEqualsTheScoreJobAndRoundTripsAsAPipelineModel() throws Exception {
    SparkSession spark = SparkSession.builder().master(CLUSTER.masterUrl()).appName("GeoLocatorOnClusterIT")
        .config("spark.jars", LocalSparkCluster.assemblyJar().toString())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "1g")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      Path synth = tmp.resolve("synth");
      SynthJob.run(spark, synth.toString(), true, new SynthGenerator(3, "photo", 64, 0.9f), 0, N, "dir");
      Path images = synth.resolve("images");
      byte[] any;
      try (Stream<Path> files = Files.walk(images)) {
        any = Files.readAllBytes(files.filter(f -> f.toString().endsWith(".jpg")).findFirst().orElseThrow());
      }
      Files.createDirectories(images.resolve("zz"));
      Files.write(images.resolve("zz/corrupt.jpg"), Arrays.copyOf(any, any.length / 2));
      double[][] p = TestData.points(5000, 4);
      ClassHierarchy classes = ClassHierarchy.fromVocabulary(Partitioners.inMemory(p[0], p[1], PartitionParams.of(20, 1000, 300)));
      Path model = tmp.resolve("model");
      try (GeoModel m = GeoModel.create(ModelConfig.preset("micro", classes), Device.cpu(), 5)) {
        m.save(model);
      }

      Path scoreOut = tmp.resolve("score");
      ScoreJob.run(spark, ScoreJob.parse(Map.of("input", images.toString(), "model", model.toString(), "output",
          scoreOut.toString(), "partitions", "2", "batch-size", "1", "top-k", "2", "max-reject-fraction", "0.2")));
      Map<String, Row> score = new HashMap<>();
      for (Row r : spark.read().parquet(scoreOut.resolve("predictions").toString()).collectAsList()) {
        score.put(r.getAs("id"), r);
      }
      assertEquals(N, score.size());

      String root = images.toUri().getPath(); // /…/images/
      // Batches of one image on both sides: the results cannot depend on how the tasks split the images.
      Dataset<Row> input = spark.read().format("binaryFile").option("recursiveFileLookup", "true").load(images.toString())
          .withColumn("id", org.apache.spark.sql.functions.regexp_replace(col("path"), "^file:" + java.util.regex.Pattern.quote(root), ""))
          .repartition(2);
      GeoLocatorModel locator = GeoLocatorModel.load(model.toString()).setInputCol("content").setBatchSize(1).setTopK(2);
      PipelineModel fitted = new Pipeline().setStages(new PipelineStage[] {locator}).fit(input);
      List<Row> rows = fitted.transform(input).drop("content").orderBy("id").collectAsList();
      assertEquals(N + 1, rows.size());
      for (Row r : rows) {
        if (r.<String>getAs("id").equals("zz/corrupt.jpg")) {
          assertEquals("truncated_image", r.getAs("reject_reason"));
          assertNull(r.getAs("lat"));
          continue;
        }
        Row s = score.get(r.<String>getAs("id"));
        assertNotNull(s, r.<String>getAs("id"));
        for (String c : List.of("lat", "lon", "class_label", "probability", "scene", "scene_confidence", "topk")) {
          assertEquals((Object) s.getAs(c), r.getAs(c), c + " of " + r.getAs("id"));
        }
      }
      Path saved = tmp.resolve("pipeline-model");
      fitted.write().save(saved.toString());
      assertEquals(rows, PipelineModel.load(saved.toString()).transform(input).drop("content").orderBy("id").collectAsList());
    } finally {
      spark.stop();
    }
  }
}
