package org.geodecoder.jobs.safety;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.io.OutputCommit;
import org.geodecoder.jobs.io.PartitionFingerprint;
import org.geodecoder.jobs.nightly.CellsFingerprint;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.train.TrainJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, items 1, 2, 3, 4, 6 and 9 as a new user met them, in Spark local mode: every input
 * and every previous output is compared byte for byte before and after the failing command.
 */
class DataSafetyTest {
  private static final int N = 60;
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path synth;
  private static Path ingest;
  private static Path partition;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("DataSafetyTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    synth = tmp.resolve("synth");
    SynthJob.run(spark, synth.toString(), true, new SynthGenerator(7, "photo", 48, 0.9f), 0, N, "dir");
    ingest = tmp.resolve("ingest");
    ingest(ingest, "manifest", synth.resolve("manifest.csv").toString(), "split", "author:0.2");
    partition = tmp.resolve("partition");
    partition(partition, "40,20,10");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static IngestJob.Result ingest(Path out, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("output", out.toString());
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return IngestJob.run(spark, IngestOptions.parse(m));
  }

  private static void partition(Path out, String tmax, String... kv) {
    Map<String, String> m = new HashMap<>(Map.of("input", ingest.resolve("shards").toString(), "output", out.toString(),
        "tmin", "2", "tmax", tmax));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    new PartitionJob().prepare(m).run(spark);
  }

  private static void train(String... kv) {
    Map<String, String> m = new HashMap<>(Map.of("shards", ingest.resolve("shards").toString(),
        "labels", partition.resolve("labels.parquet").toString(), "cells", partition.resolve("cells.parquet").toString(),
        "preset", "micro", "batch-size", "8", "epochs", "1", "max-steps", "1", "val-samples", "0"));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    new TrainJob().prepare(m).run(spark);
  }

  /** Relative path → SHA-256 of every file under a directory (checksum files included). */
  static Map<String, String> tree(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (var walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        out.put(root.relativize(p).toString(),
            HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  private static List<String> visibleSiblings(Path dir) throws Exception {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted().toList();
    }
  }

  @Test
  void item1IngestOverwriteDoesNotDeleteAManifestAndImagesUnderItsOutput() throws Exception {
    Path d = tmp.resolve("item1");
    SynthJob.run(spark, d.resolve("sub").toString(), true, new SynthGenerator(9, "photo", 48, 0.9f), 0, 10, "dir");
    Map<String, String> before = tree(d);
    OptionException e = assertThrows(OptionException.class, () -> ingest(d, "manifest", d.resolve("sub/manifest.csv").toString(),
        "overwrite", "true"));
    assertTrue(e.getMessage().startsWith("--output file:" + d + " contains the input --manifest file:" + d + "/sub/manifest.csv"),
        e.getMessage());
    assertEquals(before, tree(d), "manifest and images byte for byte");
  }

  @Test
  void item1ScoreAndTrainRefuseAnOutputHoldingTheirInputs() throws Exception {
    Path k = tmp.resolve("item1-score");
    Files.createDirectories(k.resolve("model"));
    Files.writeString(k.resolve("model/model.json"), "{}");
    Files.writeString(k.resolve("model/parameters.safetensors"), "weights");
    Map<String, String> before = tree(k);
    OptionException score = assertThrows(OptionException.class, () -> ScoreJob.run(spark, ScoreJob.parse(Map.of(
        "input", ingest.resolve("shards").toString(), "model", k.resolve("model").toString(), "output", k.toString(),
        "overwrite", "true"))));
    assertTrue(score.getMessage().contains("contains the input --model file:" + k + "/model"), score.getMessage());
    assertEquals(before, tree(k));

    Map<String, String> shards = tree(ingest);
    OptionException train = assertThrows(OptionException.class, () -> train("output", ingest.toString(), "overwrite", "true"));
    assertTrue(train.getMessage().contains("contains the input --shards file:" + ingest + "/shards"), train.getMessage());
    assertEquals(shards, tree(ingest), "train's own shards byte for byte");
  }

  @Test
  void item2AFailedOverwriteKeepsThePreviousOutput() throws Exception {
    Path good = tmp.resolve("item2-good");
    ingest(good, "manifest", synth.resolve("manifest.csv").toString());
    Map<String, String> before = tree(good);
    Files.createDirectories(tmp.resolve("item2"));
    Path noLat = Files.write(tmp.resolve("item2/manifest.csv"), List.of("IMG_ID,AUTHOR,LON", "0.jpg,a,1.0"));
    assertThrows(OptionException.class, () -> ingest(good, "manifest", noLat.toString(), "images",
        synth.resolve("images").toString(), "overwrite", "true"));
    assertEquals(before, tree(good), "the good output byte for byte");
    assertEquals(List.of("item2", "item2-good"), visibleSiblings(tmp).stream().filter(n -> n.startsWith("item2")).toList());

    // train with --labels that do not exist over an earlier run: the run stays.
    Path run = tmp.resolve("item2-run");
    Files.createDirectories(run.resolve("model"));
    Files.writeString(run.resolve("model/model.json"), "{\"earlier\": true}");
    Map<String, String> runBefore = tree(run);
    JobFailedException e = assertThrows(JobFailedException.class, () -> train("output", run.toString(), "overwrite", "true",
        "labels", tmp.resolve("nowhere/labels.parquet").toString()));
    assertTrue(e.getMessage().contains("--labels") && e.getMessage().contains("nowhere/labels.parquet"), e.getMessage());
    assertEquals(runBefore, tree(run));

    // A successful overwrite replaces the output whole, marker last.
    ingest(good, "manifest", synth.resolve("manifest.csv").toString(), "overwrite", "true", "split", "none");
    assertTrue(Files.exists(good.resolve(OutputCommit.MARKER)));
    assertTrue(Files.readString(good.resolve("summary.json")).contains("\"status\" : \"ok\""));
    assertFalse(Files.exists(good.resolve(OutputCommit.ATTEMPT_FILE)));
  }

  @Test
  void item3LabelsMatchingNoShardFailBeforeTraining() throws Exception {
    Path labels = tmp.resolve("item3/labels.parquet");
    spark.read().parquet(partition.resolve("labels.parquet").toString())
        .withColumn("id", org.apache.spark.sql.functions.concat(org.apache.spark.sql.functions.lit("other-"),
            org.apache.spark.sql.functions.col("id")))
        .write().parquet(labels.toString());
    Path run = tmp.resolve("item3/run");
    JobFailedException e = assertThrows(JobFailedException.class, () -> train("output", run.toString(), "labels", labels.toString()));
    assertTrue(e.getMessage().startsWith("Only 0 of the " + N + " rows of --shards " + ingest.resolve("shards")
        + " have a row in --labels " + labels + " (0.00%); " + N + " have none, more than --max-bad-fraction 0.01 allows (0)"),
        e.getMessage());
    assertFalse(Files.exists(run), "no run directory is left behind, so the fixed command runs without --resume/--overwrite");
  }

  @Test
  void item4LabelsAndCellsOfDifferentPartitionsAreRefused() throws Exception {
    Path other = tmp.resolve("item4-partition");
    partition(other, "30,15,8");
    String fpA = Files.readString(partition.resolve("labels.parquet/" + PartitionFingerprint.FILE)).trim();
    assertEquals(fpA, Files.readString(partition.resolve("cells.parquet/" + PartitionFingerprint.FILE)).trim());
    assertEquals(CellsFingerprint.of(spark, partition.resolve("cells.parquet").toString()).sha256(), fpA,
        "the fingerprint is the nightly registry's cells fingerprint");
    String fpB = Files.readString(other.resolve("cells.parquet/" + PartitionFingerprint.FILE)).trim();
    assertFalse(fpA.equals(fpB));
    Path run = tmp.resolve("item4-run");
    JobFailedException e = assertThrows(JobFailedException.class, () -> train("output", run.toString(),
        "cells", other.resolve("cells.parquet").toString()));
    assertEquals("--labels " + partition.resolve("labels.parquet") + " and --cells " + other.resolve("cells.parquet")
        + " come from different partition runs (fingerprints " + fpA.substring(0, 12) + " and " + fpB.substring(0, 12)
        + "): labels only mean something with the cells they were computed with; pass the labels.parquet and"
        + " cells.parquet of one partition output", e.getMessage());
    assertFalse(Files.exists(run));
  }

  @Test
  void item6PartitionWithZeroClassesFailsNamingTheThresholds() throws Exception {
    Path out = tmp.resolve("item6");
    JobFailedException e = assertThrows(JobFailedException.class, () -> partition(out, "10000", "tmin", "150"));
    assertEquals("Hierarchy 1 has 0 classes: no cell of the " + N + " fitted locations keeps more than --tmin 150 images"
        + " (--tmax 10000 for this hierarchy); lower --tmin or --tmax, or give more locations", e.getMessage());
    assertFalse(Files.exists(out), "no output that looks like a partition");
  }

  @Test
  void item9HeaderOnlyManifestSaysSo() throws Exception {
    Files.createDirectories(tmp.resolve("item9"));
    Path manifest = Files.write(tmp.resolve("item9/manifest.csv"), List.of("IMG_ID,AUTHOR,LAT,LON"));
    Path out = tmp.resolve("item9/out");
    JobFailedException e = assertThrows(JobFailedException.class, () -> ingest(out, "manifest", manifest.toString(),
        "images", synth.resolve("images").toString()));
    assertEquals("The manifest " + manifest + " has no data rows (only a header, or nothing); nothing to ingest. The summary"
        + " is in file:" + out + "/summary.json.", e.getMessage());
    assertTrue(Files.exists(out.resolve("summary.json")));
    assertFalse(Files.exists(out.resolve("rejects")));
  }
}
