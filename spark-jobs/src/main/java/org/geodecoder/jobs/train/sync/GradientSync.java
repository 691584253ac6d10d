package org.geodecoder.jobs.train.sync;

import java.io.Serializable;
import org.apache.spark.BarrierTaskContext;

/**
 * Sums float vectors over the N tasks of a barrier stage, in place. Every replica makes the same
 * sequence of calls with vectors of the same lengths; the sum is taken in rank order so that all
 * replicas hold bit-identical results. {@link #close()} meets the peers once more and frees what
 * the exchange held.
 */
public interface GradientSync extends AutoCloseable {
  void allReduceSum(float[] vector);

  @Override
  void close();

  /** Opens one instance per task; shipped to the executors with the stage's closure. */
  @FunctionalInterface
  interface Factory extends Serializable {
    GradientSync open(BarrierTaskContext context, String run, long timeoutMillis);
  }
}
