package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training table is prepared once per run; each epoch shuffles the image bytes once. */
class TrainInputsTest {
  @TempDir static Path dir;
  private static SparkSession spark;
  private static TrainFixture data;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("TrainInputsTest").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    data = TrainFixture.build(spark, dir.resolve("data"), 300, 5);
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  /** Shuffle bytes written by each stage completed while {@code body} runs. */
  private static List<Long> shuffleWrites(Runnable body) {
    List<Long> writes = new ArrayList<>();
    SparkListener listener = new SparkListener() {
      @Override
      public void onStageCompleted(SparkListenerStageCompleted e) {
        synchronized (writes) {
          writes.add(e.stageInfo().taskMetrics().shuffleWriteMetrics().bytesWritten());
        }
      }
    };
    spark.sparkContext().addSparkListener(listener);
    try {
      body.run();
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("Spark listener events not delivered within 60 s", e);
    } finally {
      spark.sparkContext().removeSparkListener(listener);
    }
    synchronized (writes) {
      return List.copyOf(writes);
    }
  }

  @Test
  void everyEpochShufflesTheImagesOnceAndHoldsEachPositionOnce() {
    TrainOptions o = TrainOptions.parse(data.options(dir.resolve("run")));
    long imageBytes = spark.read().parquet(data.shards()).agg(functions.sum(functions.length(functions.col("image"))))
        .first().getLong(0);
    try (TrainInputs inputs = TrainInputs.read(spark, o, 3, "scene3")) {
      int batch = 8;
      long stepsPerEpoch = inputs.trainCount() / batch;
      for (int epoch = 0; epoch < 2; epoch++) {
        int e = epoch;
        List<TrainingSample>[] rows = new List[1];
        List<Long> writes = shuffleWrites(() -> rows[0] = inputs.epoch(spark, 42, e, stepsPerEpoch, batch, 2).collect());
        long big = writes.stream().filter(w -> w >= imageBytes / 2).count();
        assertEquals(1, big, "stages that shuffled about the image bytes (" + imageBytes + "): " + writes);
        TreeSet<Long> positions = new TreeSet<>();
        for (TrainingSample s : rows[0]) {
          if (!s.isValidation()) {
            assertTrue(positions.add(s.position()), "position " + s.position() + " twice");
          }
        }
        assertEquals(stepsPerEpoch * batch, positions.size());
        assertEquals(0L, positions.first());
        assertEquals(stepsPerEpoch * batch - 1, positions.last());
      }
    }
  }
}
