package org.geodecoder.jobs.train;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Base64;
import org.apache.spark.BarrierTaskContext;
import org.geodecoder.jobs.train.sync.GradientSync;

/**
 * The deliberately simple reference synchronizer: every replica sends its whole vector through
 * the driver ({@link BarrierTaskContext#allGather}, base64 text) and sums all of them in rank
 * order. Slow (N × the vector through the driver, ≈ 1 s per call) and only for tests that prove
 * the peer all-reduce ({@code PeerAllReduce}) computes the same thing.
 */
final class AllGatherSync implements GradientSync {
  private final BarrierTaskContext context;

  private AllGatherSync(BarrierTaskContext context) {
    this.context = context;
  }

  static GradientSync.Factory factory() {
    return (context, run, timeoutMillis) -> new AllGatherSync(context);
  }

  @Override
  public void allReduceSum(ByteBuffer buffer, int floats) {
    float[] vector = new float[floats];
    buffer.duplicate().order(ByteOrder.nativeOrder()).position(0).asFloatBuffer().get(vector, 0, floats);
    allReduceSum(vector);
    buffer.duplicate().order(ByteOrder.nativeOrder()).position(0).asFloatBuffer().put(vector, 0, floats);
  }

  @Override
  public void allReduceSum(float[] vector) {
    ByteBuffer own = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    own.asFloatBuffer().put(vector);
    String[] all = context.allGather(Base64.getEncoder().encodeToString(own.array()));
    float[] sum = new float[vector.length];
    for (String message : all) { // ordered by partition id = rank
      var floats = ByteBuffer.wrap(Base64.getDecoder().decode(message)).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
      for (int i = 0; i < sum.length; i++) {
        sum[i] += floats.get(i);
      }
    }
    System.arraycopy(sum, 0, vector, 0, sum.length);
  }

  @Override
  public void close() {}
}
