package org.geodecoder.jobs.train.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BlockManagerAllReduceTest {

  @ParameterizedTest(name = "{0} replicas, {1} floats, chunks of {2}")
  @CsvSource({"2, 1001, 100", "3, 1000, 64", "3, 7, 1000000", "1, 50, 10"})
  void everyReplicaGetsTheExactSumAndNoBlockIsLeft(int replicas, int length, int chunk) {
    SparkSession spark = SparkSession.builder().master("local[" + Math.max(replicas, 2) + "]")
        .appName("BlockManagerAllReduceTest").config("spark.ui.enabled", "false").getOrCreate();
    try {
      int steps = 40;
      long seed = 5;
      List<AllReduceCheck.ReplicaReport> reports = AllReduceCheck.run(
          JavaSparkContext.fromSparkContext(spark.sparkContext()), replicas, length, steps, chunk, seed, "t" + replicas + "-" + length);
      assertEquals(replicas, reports.size());
      int[] expected = new int[steps];
      for (int s = 0; s < steps; s++) {
        expected[s] = AllReduceCheck.hash(AllReduceCheck.expectedSum(seed, replicas, s, length));
      }
      long shardBytes = (long) length * Float.BYTES;
      for (AllReduceCheck.ReplicaReport r : reports) {
        assertArrayEquals(expected, r.stepHashes(), "replica " + r.rank() + ": bit-identical sums at every step");
        assertEquals(0, r.leftoverBlocks(), "replica " + r.rank() + " left blocks behind");
        // Bandwidth: (N-1)/N of the vector in raw shards + (its shard) reduced, per step, ≈ 2(N-1)/N overall.
        if (replicas > 1) {
          double perStep = r.bytesSent() / (double) steps;
          assertEquals(shardBytes * (replicas - 1) / (double) replicas, perStep, shardBytes * 0.6,
              "bytes put per step by replica " + r.rank());
        }
      }
    } finally {
      spark.stop();
    }
  }
}
