package org.geodecoder.jobs.train.sync;

import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.spark.BarrierTaskContext;

/**
 * Sums float vectors over the N tasks of a barrier stage, in place. Every replica makes the same
 * sequence of calls with vectors of the same lengths; the sum is taken in rank order so that all
 * replicas hold bit-identical results.
 *
 * <p>The step engine's contract: the gradient is copied once from the device into a
 * preallocated <b>direct, native-order</b> host buffer ({@link #allReduceSum(ByteBuffer, int)}),
 * reduced in place, and copied back once. {@link #close()} ends a successful stage (it may meet
 * the peers once more); {@link #abort(Throwable)} ends a failed one and must never wait for the
 * peers, so that a replica's exception reaches Spark at once.
 */
public interface GradientSync extends AutoCloseable {
  /**
   * Replaces the first {@code floats} fp32 values of {@code vector} (direct, {@link
   * ByteOrder#nativeOrder()}, read from index 0 whatever its position) by their element-wise sum
   * over all replicas.
   */
  void allReduceSum(ByteBuffer vector, int floats);

  /** Convenience for tests and small vectors: copies through a temporary direct buffer. */
  default void allReduceSum(float[] vector) {
    ByteBuffer buffer = ByteBuffer.allocateDirect(vector.length * Float.BYTES).order(ByteOrder.nativeOrder());
    buffer.asFloatBuffer().put(vector);
    allReduceSum(buffer, vector.length);
    buffer.asFloatBuffer().get(vector);
  }

  /** Bytes this replica sent to / received from other executors so far (0 when nothing moved). */
  default long bytesSent() {
    return 0;
  }

  default long bytesReceived() {
    return 0;
  }

  /** Ends a successful stage and frees what the exchange held. */
  @Override
  void close();

  /**
   * Ends a failed stage: frees what the exchange held and lets the peers stop waiting, without
   * waiting for them. The default just closes, which is right for synchronizers whose close never
   * blocks.
   */
  default void abort(Throwable cause) {
    close();
  }

  /** Opens one instance per task; shipped to the executors with the stage's closure. */
  @FunctionalInterface
  interface Factory extends Serializable {
    GradientSync open(BarrierTaskContext context, String run, long timeoutMillis);
  }
}
