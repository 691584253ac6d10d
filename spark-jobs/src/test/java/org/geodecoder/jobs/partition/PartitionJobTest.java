package org.geodecoder.jobs.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.testing.TestData;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.s2.LeafLabeler;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.Partitioners;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionJobTest {
  private static final int N = 20_000;
  private static final String TMAX = "3000,1000,400,150";
  private static final long TMIN = 20;

  @TempDir Path tmp;

  private static SparkSession session(String master) {
    return SparkSession.builder().master(master).appName("PartitionJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
  }

  private static PartitionOptions options(Path input, Path output, String... extra) {
    Map<String, String> m = new HashMap<>();
    m.put("input", input.toString());
    m.put("output", output.toString());
    m.put("tmin", String.valueOf(TMIN));
    m.put("tmax", TMAX);
    for (int i = 0; i < extra.length; i += 2) {
      m.put(extra[i], extra[i + 1]);
    }
    return PartitionOptions.parse(m);
  }

  @Test
  void identicalOutputForAnyParallelismAndInputOrderAndMatchesInMemoryPartitioner() throws Exception {
    double[][] p = TestData.points(N, 11);
    Path forward = TestData.writeCsv(tmp.resolve("in/forward.csv"), p, TestData.identity(N), List.of());
    Path backward = TestData.writeCsv(tmp.resolve("in/backward.csv"), p, TestData.reversed(N), List.of());

    SparkSession one = session("local[1]");
    try {
      PartitionJob.run(one, options(forward, tmp.resolve("out1")));
    } finally {
      one.stop();
    }
    SparkSession two = session("local[2]");
    try {
      PartitionJob.Result r = PartitionJob.run(two, options(backward, tmp.resolve("out2")));
      assertEquals(N, r.rowsRead());
      assertEquals(N, r.rowsValid());
      // Parquet input, repartitioned: still the same.
      two.read().option("header", "true").csv(forward.toString()).repartition(7)
          .write().parquet(tmp.resolve("in/points.parquet").toString());
      PartitionJob.run(two, options(tmp.resolve("in/points.parquet"), tmp.resolve("out3")));

      long[] tmax = {3000, 1000, 400, 150};
      CellVocabulary expected = Partitioners.inMemory(p[0], p[1], PartitionParams.of(TMIN, tmax));
      for (int h = 1; h <= 4; h++) {
        String csv1 = Files.readString(tmp.resolve("out1/cells_h" + h + ".csv"));
        assertEquals(csv1, Files.readString(tmp.resolve("out2/cells_h" + h + ".csv")), "local[1] vs local[2], h" + h);
        assertEquals(csv1, Files.readString(tmp.resolve("out3/cells_h" + h + ".csv")), "csv vs parquet, h" + h);
        assertEquals(expected.toGeoEstimationCsv(h - 1), csv1, "Spark vs in-memory partitioner, h" + h);
      }
      // cells.parquet reads back into the same vocabulary, tree included.
      CellVocabulary read = CellTables.read(two, tmp.resolve("out2").toString());
      for (int h = 0; h < 4; h++) {
        assertEquals(expected.classesOf(h), read.classesOf(h));
      }
      // Every label is the class whose cell holds the image; -1 exactly where none does.
      LeafLabeler labeler = expected.labeler();
      Map<String, Integer> index = new HashMap<>();
      for (int i = 0; i < N; i++) {
        index.put("img" + i + ".jpg", i);
      }
      List<Row> labels = two.read().parquet(tmp.resolve("out2/labels.parquet").toString()).collectAsList();
      assertEquals(N, labels.size());
      int dropped = 0;
      for (Row row : labels) {
        int i = index.get(row.getString(0));
        long leaf = CellIds.leafOf(p[0][i], p[1][i]);
        for (int h = 0; h < 4; h++) {
          int label = row.getInt(h + 1);
          assertEquals(labeler.label(h, leaf), label);
          if (label < 0) {
            dropped++;
          }
        }
      }
      assertTrue(dropped > 0, "the test data should exercise dropped cells");

      JsonNode summary = new ObjectMapper().readTree(tmp.resolve("out2/summary.json").toFile());
      assertEquals(N, summary.get("rows_read").asLong());
      assertEquals(0, summary.get("rows_rejected").asLong());
      assertEquals(expected.classes(3), summary.get("hierarchies").get(3).get("classes").asInt());
      assertEquals("ok", summary.get("status").asText());
    } finally {
      two.stop();
    }
  }

  @Test
  void fitSplitFitsTheCellsOnThatSplitAloneAndLabelsEveryRow() throws Exception {
    double[][] p = TestData.points(N, 12);
    // Every fifth image is held out; the cells must be those of the other four fifths alone.
    List<String> lines = new java.util.ArrayList<>(List.of("id,lat,lon,split"));
    int train = 0;
    for (int i = 0; i < N; i++) {
      boolean held = i % 5 == 0;
      train += held ? 0 : 1;
      lines.add("img" + i + ".jpg," + p[0][i] + "," + p[1][i] + "," + (held ? "val" : "train"));
    }
    double[][] trainPoints = new double[2][train];
    for (int i = 0, k = 0; i < N; i++) {
      if (i % 5 != 0) {
        trainPoints[0][k] = p[0][i];
        trainPoints[1][k++] = p[1][i];
      }
    }
    Path input = Files.createDirectories(tmp.resolve("in")).resolve("split.csv");
    Files.write(input, lines);
    Path noSplit = TestData.writeCsv(tmp.resolve("in/nosplit.csv"), p, TestData.identity(N), List.of());

    SparkSession spark = session("local[2]");
    try {
      PartitionJob.Result r = PartitionJob.run(spark, options(input, tmp.resolve("fit"), "fit-split", "train"));
      assertEquals(N, r.rowsValid());
      CellVocabulary expected = Partitioners.inMemory(trainPoints[0], trainPoints[1], PartitionParams.of(TMIN, new long[] {3000, 1000, 400, 150}));
      boolean anyDiffers = false;
      PartitionJob.run(spark, options(input, tmp.resolve("all")));
      for (int h = 1; h <= 4; h++) {
        String fitted = Files.readString(tmp.resolve("fit/cells_h" + h + ".csv"));
        assertEquals(expected.toGeoEstimationCsv(h - 1), fitted, "cells of the train split alone, h" + h);
        anyDiffers |= !fitted.equals(Files.readString(tmp.resolve("all/cells_h" + h + ".csv")));
      }
      assertTrue(anyDiffers, "the held-out fifth should move some cell boundaries");

      // Both splits are labelled, by the train split's cells.
      LeafLabeler labeler = expected.labeler();
      List<Row> labels = spark.read().parquet(tmp.resolve("fit/labels.parquet").toString()).collectAsList();
      assertEquals(N, labels.size());
      for (Row row : labels) {
        int i = Integer.parseInt(row.getString(0).replace("img", "").replace(".jpg", ""));
        for (int h = 0; h < 4; h++) {
          assertEquals(labeler.label(h, CellIds.leafOf(p[0][i], p[1][i])), row.getInt(h + 1), row.toString());
        }
      }
      JsonNode summary = new ObjectMapper().readTree(tmp.resolve("fit/summary.json").toFile());
      assertEquals("train", summary.get("fit_split").asText());
      assertEquals(train, summary.get("rows_fitted").asLong());

      JobFailedException e = assertThrows(JobFailedException.class,
          () -> PartitionJob.run(spark, options(input, tmp.resolve("none"), "fit-split", "test")));
      assertEquals("No valid row of " + input + " has split = 'test' (--fit-split), so there is nothing to fit the cells on; "
          + "the valid rows' splits are ['train', 'val']", e.getMessage());
      e = assertThrows(JobFailedException.class,
          () -> PartitionJob.run(spark, options(noSplit, tmp.resolve("nocol"), "fit-split", "train")));
      assertEquals("--fit-split train needs a 'split' column in " + noSplit + ", which has [IMG_ID, AUTHOR, LAT, LON] "
          + "(ingest's shards have one)", e.getMessage());
    } finally {
      spark.stop();
    }
  }

  @Test
  void badRowsAreRejectedWithReasonsAndCounted() throws Exception {
    double[][] p = TestData.points(5000, 3);
    List<String> bad = List.of(
        "bad1.jpg,a,95.0,10.0",          // latitude_out_of_range
        "bad2.jpg,a,10.0,-181.5",        // longitude_out_of_range
        "bad3.jpg,a,NaN,10.0",           // nan_latitude
        "bad4.jpg,a,abc,10.0",           // non_numeric_latitude
        "bad5.jpg,a,10.0,",              // missing_longitude
        ",a,10.0,10.0",                  // missing_id
        "img7.jpg,a," + p[0][7] + "," + p[1][7], // exact copy of row 7: duplicate_id (one copy kept)
        "img8.jpg,a,1.0,1.0",            // conflicting copy of row 8: both rejected
        "img9.jpg,a9," + p[0][9] + "," + p[1][9]); // byte-identical line: one of the two rejected
    Path in = TestData.writeCsv(tmp.resolve("bad.csv"), p, TestData.identity(5000), bad);
    SparkSession spark = session("local[2]");
    try {
      PartitionJob.Result r = PartitionJob.run(spark, options(in, tmp.resolve("out")));
      Map<String, Long> expected = Map.of(
          "latitude_out_of_range", 1L, "longitude_out_of_range", 1L, "nan_latitude", 1L,
          "non_numeric_latitude", 1L, "missing_longitude", 1L, "missing_id", 1L,
          "duplicate_id", 2L, "duplicate_id_conflicting_location", 2L);
      assertEquals(expected, r.rejectsByReason());
      assertEquals(5009, r.rowsRead());
      assertEquals(4999, r.rowsValid());
      List<Row> rejects = spark.read().parquet(tmp.resolve("out/rejects").toString()).collectAsList();
      assertEquals(10, rejects.size());
      Row nan = rejects.stream().filter(x -> "bad3.jpg".equals(x.getAs("IMG_ID"))).findFirst().orElseThrow();
      assertEquals("nan_latitude", nan.getAs("reason"));
      assertEquals("NaN", nan.getAs("LAT"), "the input row is kept as it was");
      JsonNode summary = new ObjectMapper().readTree(tmp.resolve("out/summary.json").toFile());
      assertEquals(10, summary.get("rows_rejected").asLong());
      long kept9 = spark.read().parquet(tmp.resolve("out/labels.parquet").toString()).filter("id = 'img9.jpg'").count();
      assertEquals(1, kept9, "exactly one of two identical rows is labelled");
      assertEquals(2, summary.get("rejected_by_reason").get("duplicate_id_conflicting_location").asLong());
    } finally {
      spark.stop();
    }
  }

  @Test
  void tooManyRejectsFailsNamingFileCountAndSwappedColumns() throws Exception {
    // 40 of 1040 rows have lat/lon swapped (|lat| > 90 but valid when swapped): 3.8% > 1%.
    double[][] p = TestData.points(1000, 5);
    List<String> swapped = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      swapped.add("sw" + i + ".jpg,a," + (100 + i) + ",45.0");
    }
    Path in = TestData.writeCsv(tmp.resolve("swapped.csv"), p, TestData.identity(1000), swapped);
    SparkSession spark = session("local[2]");
    try {
      JobFailedException e = assertThrows(JobFailedException.class,
          () -> PartitionJob.run(spark, options(in, tmp.resolve("out"))));
      assertTrue(e.getMessage().contains("40 of 1040 rows"), e.getMessage());
      assertTrue(e.getMessage().contains("swapped.csv"), e.getMessage());
      assertTrue(e.getMessage().contains("look swapped"), e.getMessage());
      assertEquals(40, spark.read().parquet(tmp.resolve("out/rejects").toString()).count());
      // A looser threshold accepts the same input.
      PartitionJob.Result ok = PartitionJob.run(spark, options(in, tmp.resolve("out-ok"), "max-reject-fraction", "0.05"));
      assertEquals(1000, ok.rowsValid());
    } finally {
      spark.stop();
    }
  }

  @Test
  void invalidOptionsFailBeforeSparkWorkNamingTheOption() throws Exception {
    OptionException e = assertThrows(OptionException.class,
        () -> PartitionOptions.parse(Map.of("tmin", "600", "tmax", "500")));
    assertTrue(e.getMessage().contains("--tmin (spark.geodecoder.partition.tmin)"), e.getMessage());
    e = assertThrows(OptionException.class, () -> PartitionOptions.parse(Map.of("tmax", "")));
    assertTrue(e.getMessage().contains("--tmax"), e.getMessage());
    e = assertThrows(OptionException.class, () -> PartitionOptions.parse(Map.of("bogus", "1", "other", "2")));
    assertTrue(e.getMessage().contains("Unknown options [bogus, other] for partition"), e.getMessage());
    e = assertThrows(OptionException.class, () -> PartitionOptions.parse(Map.of("max-reject-fraction", "2")));
    assertTrue(e.getMessage().contains("'2'"), e.getMessage());
    // The CLI reports them with exit code 2 and never starts Spark.
    assertEquals(2, GeoDecoderCli.run(new String[] {"partition", "--tmax", "10,20"}));
    assertEquals(2, GeoDecoderCli.run(new String[] {"nope"}));

    Path in = TestData.writeCsv(tmp.resolve("p.csv"), TestData.points(100, 1), TestData.identity(100), List.of());
    SparkSession spark = session("local[1]");
    try {
      OptionException col = assertThrows(OptionException.class,
          () -> PartitionJob.run(spark, options(in, tmp.resolve("o"), "lat-col", "latitude_deg")));
      assertTrue(col.getMessage().contains("--lat-col") && col.getMessage().contains("[IMG_ID, AUTHOR, LAT, LON]"), col.getMessage());
      OptionException overlap = assertThrows(OptionException.class,
          () -> PartitionJob.run(spark, options(in, in.getParent())));
      assertTrue(overlap.getMessage().contains("contains the input --input"), overlap.getMessage());
      Path existing = Files.createDirectories(tmp.resolve("existing"));
      Files.writeString(existing.resolve("earlier.txt"), "earlier");
      JobFailedException exists = assertThrows(JobFailedException.class,
          () -> PartitionJob.run(spark, options(in, existing)));
      assertTrue(exists.getMessage().contains("already exists") && exists.getMessage().contains("--overwrite"), exists.getMessage());
    } finally {
      spark.stop();
    }
  }
}
