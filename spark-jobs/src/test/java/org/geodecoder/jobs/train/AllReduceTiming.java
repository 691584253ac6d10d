package org.geodecoder.jobs.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.geodecoder.jobs.train.sync.BarrierStage;
import org.geodecoder.jobs.train.sync.PeerAllReduce;

/** The all-reduce timings of {@link TrainBenchmarkIT}, in a class executors can load (no JUnit). */
final class AllReduceTiming {
  static final int STEPS = 6;

  private AllReduceTiming() {}

  /**
   * Median seconds per all-reduce of {@code floats} floats between the two executors, measured
   * like gloo_allreduce.py: every replica meets the others (barrier, then a 1-float all-reduce), then times one all-reduce
   * of its preallocated direct buffer; the slowest replica counts; the first step warms up.
   */
  static double peerSeconds(JavaSparkContext jsc, int floats, PeerAllReduce.Precision precision) {
    return peerSeconds(jsc, floats, precision, PeerAllReduce.Tuning.DEFAULT);
  }

  static double peerSeconds(JavaSparkContext jsc, int floats, PeerAllReduce.Precision precision, PeerAllReduce.Tuning tuning) {
    String name = "bench" + floats + precision + tuning.chunkFloats() + "-" + tuning.window() + "-" + tuning.split();
    List<double[]> times = BarrierStage.mapPartitions(jsc.parallelize(List.of(0, 1), 2), it -> {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      ByteBuffer v = ByteBuffer.allocateDirect(floats * Float.BYTES).order(ByteOrder.nativeOrder());
      double[] t = new double[STEPS];
      try (PeerAllReduce sync = new PeerAllReduce(ctx, name, precision, tuning, true, 600_000)) {
        ByteBuffer tiny = ByteBuffer.allocateDirect(Float.BYTES).order(ByteOrder.nativeOrder());
        for (int s = 0; s < STEPS; s++) {
          fill(v, floats, ctx.partitionId() + 1f);
          ctx.barrier();
          // Spark's barrier() releases the tasks up to 1 s apart (it polls once a second); a 1-float all-reduce
          // aligns them within a round trip, as gloo's own barrier (itself a tiny all-reduce) does in gloo_allreduce.py.
          sync.allReduceSum(tiny, 1);
          long t0 = System.nanoTime();
          sync.allReduceSum(v, floats);
          t[s] = (System.nanoTime() - t0) / 1e9;
          if (v.getFloat(0) != 3f || v.getFloat((floats - 1) * Float.BYTES) != 3f) {
            throw new IllegalStateException("wrong sum " + v.getFloat(0));
          }
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
    return median(Arrays.copyOfRange(slowest, 1, STEPS));
  }

  private static void fill(ByteBuffer v, int floats, float value) {
    var f = v.duplicate().order(ByteOrder.nativeOrder()).position(0).asFloatBuffer();
    float[] block = new float[1 << 16];
    Arrays.fill(block, value);
    for (int i = 0; i < floats; i += block.length) {
      f.put(i, block, 0, Math.min(block.length, floats - i)); // bulk: the executors share 2 cores with the timing
    }
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
