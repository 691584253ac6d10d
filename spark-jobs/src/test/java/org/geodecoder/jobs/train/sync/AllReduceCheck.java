package org.geodecoder.jobs.train.sync;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs {@link BlockManagerAllReduce} in a barrier stage of N tasks for several steps and
 * compares every replica's result with the sum computed here in rank order (bit for bit).
 */
final class AllReduceCheck {
  /** What one replica saw: per-step hashes of the reduced vector, leftover blocks at the end. */
  record ReplicaReport(int rank, int[] stepHashes, int leftoverBlocks, long bytesSent) implements java.io.Serializable {}

  private AllReduceCheck() {}

  static float[] vector(long seed, int rank, int step, int length) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + rank * 7919L + step);
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      v[i] = (float) (r.nextDouble() * 2 - 1);
    }
    return v;
  }

  static float[] expectedSum(long seed, int replicas, int step, int length) {
    float[] sum = new float[length];
    for (int r = 0; r < replicas; r++) {
      float[] v = vector(seed, r, step, length);
      for (int i = 0; i < length; i++) {
        sum[i] += v[i];
      }
    }
    return sum;
  }

  static int hash(float[] v) {
    int[] bits = new int[v.length];
    for (int i = 0; i < v.length; i++) {
      bits[i] = Float.floatToIntBits(v[i]);
    }
    return Arrays.hashCode(bits);
  }

  static List<ReplicaReport> run(JavaSparkContext jsc, int replicas, int length, int steps, int chunkFloats, long seed, String runName) {
    List<Integer> ranks = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      ranks.add(i);
    }
    return BarrierStage.mapPartitions(jsc.parallelize(ranks, replicas), it -> {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int[] hashes = new int[steps];
      long sent;
      try (BlockManagerAllReduce sync = new BlockManagerAllReduce(ctx, runName, chunkFloats, 60_000)) {
        for (int s = 0; s < steps; s++) {
          float[] v = vector(seed, ctx.partitionId(), s, length);
          sync.allReduceSum(v);
          hashes[s] = hash(v);
        }
        sent = sync.bytesSent();
      }
      // All peers have closed (the barrier in close()), so every block must be gone.
      ctx.barrier();
      int left = BlockManagerAllReduce.localBlocksOf(runName);
      return List.of(new ReplicaReport(ctx.partitionId(), hashes, left, sent)).iterator();
    }, ReplicaReport.class).collect();
  }
}
