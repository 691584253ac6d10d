package org.geodecoder.jobs.train;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.geodecoder.jobs.train.sync.BarrierStage;
import org.geodecoder.jobs.train.sync.BlockManagerAllReduce;

/** The all-reduce timings of {@link TrainBenchmarkIT}, in a class executors can load (no JUnit). */
final class AllReduceTiming {
  private static final int STEPS = 6;

  private AllReduceTiming() {}

  /** Median seconds per all-reduce of {@code floats} floats between the two executors. */
  static double blockManagerSeconds(JavaSparkContext jsc, int floats) {
    List<double[]> times = BarrierStage.mapPartitions(jsc.parallelize(List.of(0, 1), 2), it -> {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      float[] v = new float[floats];
      Arrays.fill(v, ctx.partitionId() + 1f);
      double[] t = new double[STEPS];
      try (BlockManagerAllReduce sync = new BlockManagerAllReduce(ctx, "bench" + floats, BlockManagerAllReduce.DEFAULT_CHUNK_FLOATS,
          600_000)) {
        ctx.barrier();
        for (int s = 0; s < STEPS; s++) {
          long t0 = System.nanoTime();
          sync.allReduceSum(v);
          t[s] = (System.nanoTime() - t0) / 1e9;
          Arrays.fill(v, ctx.partitionId() + 1f);
        }
      }
      return List.of(t).iterator();
    }, double[].class).collect();
    double[] slowest = new double[STEPS];
    for (double[] t : times) {
      for (int s = 0; s < STEPS; s++) {
        slowest[s] = Math.max(slowest[s], t[s]);
      }
    }
    return median(Arrays.copyOfRange(slowest, 1, STEPS)); // the first step warms up
  }

  /** Median seconds per step of driver treeAggregate + broadcast + every task reading it. */
  static double referenceSeconds(JavaSparkContext jsc, int floats) {
    JavaRDD<float[]> vectors = jsc.parallelize(List.of(1f, 2f), 2).map(x -> {
      float[] v = new float[floats];
      Arrays.fill(v, x);
      return v;
    }).cache();
    vectors.count();
    double[] t = new double[STEPS];
    for (int s = 0; s < STEPS; s++) {
      long t0 = System.nanoTime();
      float[] sum = vectors.treeAggregate(new float[floats], AllReduceTiming::addInto, AllReduceTiming::addInto);
      Broadcast<float[]> b = jsc.broadcast(sum);
      jsc.parallelize(List.of(0, 1), 2).map(x -> b.value().length).collect();
      t[s] = (System.nanoTime() - t0) / 1e9;
      b.destroy();
    }
    vectors.unpersist();
    return median(Arrays.copyOfRange(t, 1, STEPS));
  }

  private static float[] addInto(float[] a, float[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
