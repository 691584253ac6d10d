package org.geodecoder.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19, items 5 and 9: duplicate ids are reported and resolved by --duplicates, never counted twice. */
class EvaluateDuplicatesTest {
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path predictions;
  private static Path truth;
  private static Path truthWithDuplicates;
  private static Path predictionsWithDuplicates;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("EvaluateDuplicatesTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    List<String> p = new ArrayList<>(List.of("id,lat,lon"));
    List<String> t = new ArrayList<>(List.of("id,lat,lon"));
    for (int i = 0; i < 200; i++) {
      p.add(String.format("p%03d,%d.0,10.0", i, i % 80));
      t.add(String.format("p%03d,%d.0,10.0", i, i % 80));
    }
    predictions = Files.write(tmp.resolve("preds.csv"), p);
    truth = Files.write(tmp.resolve("truth.csv"), t);
    List<String> t2 = new ArrayList<>(t);
    List<String> p2 = new ArrayList<>(p);
    for (int i = 0; i < 10; i++) {
      t2.add(String.format("p%03d,-5.0,10.0", i * 7)); // a second, different truth for 10 ids
    }
    for (int i = 0; i < 5; i++) {
      p2.add(String.format("p%03d,1.0,1.0", i * 3)); // a second prediction for 5 ids
    }
    truthWithDuplicates = Files.write(tmp.resolve("truth-dup.csv"), t2);
    predictionsWithDuplicates = Files.write(tmp.resolve("preds-dup.csv"), p2);
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static EvaluationResult evaluate(String out, String... kv) {
    Map<String, String> m = new HashMap<>(Map.of("output", tmp.resolve(out).toString(), "paper-comparison", "false"));
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return EvaluateJob.run(spark, EvaluateJob.parse(m));
  }

  private static long rejects(String out, String reason) {
    return spark.read().parquet(tmp.resolve(out + "/rejects").toString()).filter("reason = '" + reason + "'").count();
  }

  @Test
  void duplicateGroundTruthIdsFailByDefaultAndCountOnceWithFirst() {
    JobFailedException e = assertThrows(JobFailedException.class, () -> evaluate("gt-fail", "predictions", "a=" + predictions,
        "ground-truth", truthWithDuplicates.toString()));
    assertTrue(e.getMessage().startsWith("Duplicate ids, each would be counted more than once: --ground-truth "
        + truthWithDuplicates + ": 10 ids have more than one row ([p000, p007, p014, p021, p028, p035, p042, p049, p056, p063])"),
        e.getMessage());
    assertEquals(10, rejects("gt-fail", DuplicateIds.IN_GROUND_TRUTH));

    EvaluationResult r = evaluate("gt-first", "predictions", "a=" + predictions, "ground-truth", truthWithDuplicates.toString(),
        "duplicates", "first");
    assertEquals(200, r.dataset("a").orElseThrow().overall().count(), "200 predictions count 200 times, not 210");
    assertEquals(1.0, r.dataset("a").orElseThrow().overall().accuracy(0), 1e-12, "the first truth row of each id is used");
  }

  @Test
  void duplicatePredictionIdsFailByDefaultAndKeepTheFirstRowWithFirst() {
    JobFailedException e = assertThrows(JobFailedException.class, () -> evaluate("p-fail", "predictions",
        "a=" + predictionsWithDuplicates, "ground-truth", truth.toString()));
    assertTrue(e.getMessage().contains("--predictions: 5 ids have more than one row ([a/p000, a/p003, a/p006, a/p009, a/p012])"),
        e.getMessage());
    assertEquals(10, rejects("p-fail", DuplicateIds.IN_PREDICTIONS), "both rows of each of the 5 ids");

    EvaluationResult r = evaluate("p-first", "predictions", "a=" + predictionsWithDuplicates, "ground-truth", truth.toString(),
        "duplicates", "first");
    assertEquals(200, r.dataset("a").orElseThrow().overall().count());
    assertEquals(1.0, r.dataset("a").orElseThrow().overall().accuracy(0), 1e-12, "the first (exact) prediction is kept");
    assertEquals(5, rejects("p-first", DuplicateIds.IN_PREDICTIONS), "the 5 later rows, with their reason");
  }

  @Test
  void aRepeatedSetNameIsRefused() {
    OptionException e = assertThrows(OptionException.class, () -> EvaluateJob.parse(Map.of("predictions",
        "a=" + predictions + ",a=" + predictions, "output", "x")));
    assertTrue(e.getMessage().endsWith("the set name 'a' is given twice; each set needs its own name (name=uri), or its rows"
        + " would be merged and counted twice"), e.getMessage());
  }

  @Test
  void emptyPredictionsSaySo() throws Exception {
    Path empty = Files.write(tmp.resolve("empty.csv"), List.of("id,lat,lon,true_lat,true_lon"));
    JobFailedException e = assertThrows(JobFailedException.class, () -> evaluate("empty", "predictions", empty.toString()));
    assertEquals("The predictions [" + empty + "] have no rows: nothing to evaluate", e.getMessage());
  }
}
