package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The train job on a real standalone cluster on 127.0.0.1 (master + two 1-core workers): one
 * replica per executor, gradients exchanged executor to executor through the block managers.
 */
class TrainOnClusterIT {
  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();
  @TempDir static Path dir;
  private static TrainFixture data;
  private static float[] oneReplica;
  private static float[] oneReplicaDropPath;

  /** Data and the 1-replica reference run, in local mode before the cluster session exists. */
  @BeforeAll
  static void localReference() {
    SparkSession local = SparkSession.builder().master("local[1]").appName("TrainOnClusterIT-local")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2").getOrCreate();
    try {
      data = TrainFixture.build(local, dir.resolve("data"), 600, 3);
      TrainJob.run(local, TrainOptions.parse(data.options(dir.resolve("one"), "replicas", "1", "max-steps", "5")));
      oneReplica = TrainFixture.finalWeights(dir.resolve("one"));
      TrainJob.run(local, TrainOptions.parse(data.options(dir.resolve("one-drop"), "replicas", "1", "max-steps", "5",
          "drop-path", "0.3")));
      oneReplicaDropPath = TrainFixture.finalWeights(dir.resolve("one-drop"));
    } finally {
      local.stop();
    }
  }

  static SparkSession cluster(String name) throws Exception {
    return SparkSession.builder().master(CLUSTER.masterUrl()).appName(name)
        .config("spark.jars", LocalSparkCluster.assemblyJar() + "," + LocalSparkCluster.testClassesJar())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "1g")
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  @Test
  void twoExecutorsMatchOneReplicaAndTheReferenceSynchronizer() throws Exception {
    SparkSession spark = cluster("TrainOnClusterIT-equivalence");
    try {
      Path blockManager = dir.resolve("bm");
      Path reference = dir.resolve("reference");
      TrainJob.run(spark, TrainOptions.parse(data.options(blockManager, "replicas", "2", "max-steps", "5")));
      TrainJob.run(spark, TrainOptions.parse(data.options(reference, "replicas", "2", "max-steps", "5")),
          AllGatherSync.factory());
      assertEquals(2, spark.sparkContext().getExecutorIds().size(), "one replica per executor");
      float[] bm = TrainFixture.finalWeights(blockManager);
      TrainJobTest.assertWithinRelative(oneReplica, bm, 1e-5);
      assertArrayEquals(TrainFixture.finalWeights(reference), bm, "same rank-order sums → identical weights");
    } finally {
      spark.stop();
    }
  }

  /**
   * A swin-style config with stochastic depth (the micro Swin with drop path 0.3; the swin_*
   * presets use 0.2–0.5): 2 replicas in 2 executor JVMs end within 1e-5 of 1 replica, because
   * every mask is keyed by the sample's (seed, epoch, global position), not by replica or slot.
   */
  @Test
  void withDropPathTwoExecutorsMatchOneReplica() throws Exception {
    SparkSession spark = cluster("TrainOnClusterIT-drop-path");
    try {
      Path two = dir.resolve("two-drop");
      TrainJob.run(spark, TrainOptions.parse(data.options(two, "replicas", "2", "max-steps", "5", "drop-path", "0.3")));
      assertEquals(2, spark.sparkContext().getExecutorIds().size(), "one replica per executor");
      float[] weights = TrainFixture.finalWeights(two);
      TrainJobTest.assertWithinRelative(oneReplicaDropPath, weights, 1e-5);
      assertFalse(Arrays.equals(oneReplica, oneReplicaDropPath), "drop path changed the training");
    } finally {
      spark.stop();
    }
  }

  @Test
  void killingAnExecutorMidRunRetriesTheStageAndEndsWithTheSameWeights() throws Exception {
    SparkSession spark = cluster("TrainOnClusterIT-fault");
    AtomicInteger retriedStages = new AtomicInteger();
    spark.sparkContext().addSparkListener(new SparkListener() {
      @Override
      public void onStageSubmitted(SparkListenerStageSubmitted e) {
        if (e.stageInfo().attemptNumber() > 0) {
          retriedStages.incrementAndGet();
        }
      }
    });
    try {
      Path straight = dir.resolve("straight");
      Map<String, String> common = Map.of("replicas", "2", "max-steps", "40", "checkpoint-every", "10", "log-every", "10");
      TrainJob.run(spark, TrainOptions.parse(with(data.options(straight), common)));

      Path killed = dir.resolve("killed");
      CompletableFuture<TrainJob.Result> run = CompletableFuture.supplyAsync(
          () -> TrainJob.run(spark, TrainOptions.parse(with(data.options(killed), common))));
      Path firstCheckpoint = killed.resolve("checkpoints/step-0000000010/_COMMITTED");
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!Files.exists(firstCheckpoint) && System.nanoTime() < deadline && !run.isDone()) {
        Thread.sleep(20);
      }
      assertTrue(Files.exists(firstCheckpoint), "no checkpoint of step 10 within 120 s");
      List<ProcessHandle> executors = ProcessHandle.allProcesses()
          .filter(p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
          .filter(p -> p.info().commandLine().orElse("").contains(spark.sparkContext().applicationId()))
          .toList();
      assertEquals(2, executors.size(), "two executor JVMs of this application");
      assertTrue(executors.get(0).destroyForcibly(), "kill -9 of executor " + executors.get(0).pid());

      TrainJob.Result result = run.get(300, TimeUnit.SECONDS);
      assertEquals(40, result.steps());
      assertTrue(retriedStages.get() >= 1, "the barrier stage was retried");
      assertArrayEquals(TrainFixture.finalWeights(straight), TrainFixture.finalWeights(killed),
          () -> "resumed from the last checkpoint → the same weights as the uninterrupted run; " + firstDifferentStep(straight, killed));
      assertEquals(40, TrainJobTest.stepLines(killed).size(), "every step logged once");
    } finally {
      spark.stop();
    }
  }

  private static Map<String, String> with(Map<String, String> base, Map<String, String> extra) {
    base.putAll(extra);
    return base;
  }

  /** Where two runs' logged steps first differ (loss, gradient norm), to tell a resume bug from drift. */
  private static String firstDifferentStep(Path a, Path b) {
    List<JsonNode> x = TrainJobTest.stepLines(a);
    List<JsonNode> y = TrainJobTest.stepLines(b);
    for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
      for (String f : List.of("loss", "grad_norm")) {
        if (x.get(i).get(f).asDouble() != y.get(i).get(f).asDouble()) {
          return "the logged steps first differ at step " + x.get(i).get("step").asLong() + ": " + x.get(i) + " vs " + y.get(i);
        }
      }
    }
    return "the " + Math.min(x.size(), y.size()) + " logged steps agree (loss, grad_norm at 6 digits)";
  }
}
