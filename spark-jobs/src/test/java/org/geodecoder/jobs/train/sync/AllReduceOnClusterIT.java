package org.geodecoder.jobs.train.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The block-manager all-reduce between two executors of a real standalone cluster on
 * 127.0.0.1: shards travel executor to executor, chunked, and every block is removed.
 */
class AllReduceOnClusterIT {
  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();

  @Test
  void twoExecutorsReduceExactlyAndCleanUp() throws Exception {
    SparkSession spark = SparkSession.builder().master(CLUSTER.masterUrl()).appName("AllReduceOnClusterIT")
        .config("spark.jars", LocalSparkCluster.assemblyJar() + "," + LocalSparkCluster.testClassesJar())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "1g")
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      int length = 3_000_001;
      int steps = 12;
      List<AllReduceCheck.ReplicaReport> reports = AllReduceCheck.run(
          JavaSparkContext.fromSparkContext(spark.sparkContext()), 2, length, steps, 1 << 20, 17, "cluster");
      int[] expected = new int[steps];
      for (int s = 0; s < steps; s++) {
        expected[s] = AllReduceCheck.hash(AllReduceCheck.expectedSum(17, 2, s, length));
      }
      assertEquals(2, reports.size());
      for (AllReduceCheck.ReplicaReport r : reports) {
        assertArrayEquals(expected, r.stepHashes(), "replica " + r.rank());
        assertEquals(0, r.leftoverBlocks(), "replica " + r.rank() + " left blocks behind");
      }
      assertEquals(2, spark.sparkContext().getExecutorIds().size(), "one replica per executor");
    } finally {
      spark.stop();
    }
  }
}
