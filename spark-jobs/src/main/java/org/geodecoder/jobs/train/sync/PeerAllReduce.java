package org.geodecoder.jobs.train.sync;

import java.nio.ByteBuffer;
import java.util.Locale;
import org.apache.spark.BarrierTaskContext;

/**
 * The training job's gradient all-reduce: peer to peer on Spark's own transport ({@link
 * SyncTransport}: Spark's auth and encryption apply), with no driver in the data path. The peers'
 * endpoints are exchanged once per stage through {@link BarrierTaskContext#allGather}; every
 * step after that moves bytes only between executors. Replicas sharing an executor reduce in
 * memory and send one stream per executor. Sums are the exact left fold in rank order 0..N−1
 * ({@code ((0 + x0) + x1) + …}), bit-identical on every replica, whatever the placement; see
 * {@link PeerExchange} for the protocol.
 *
 * <p>{@link Precision#BF16} puts bf16 on the wire (round to nearest even) and accumulates in
 * fp32: each partial sum crossing to the next executor, and the final sum, are rounded once to
 * bf16, so with R executors the error is at most R · 2⁻⁸ · Σ|x| per element (replicas still
 * bit-identical; within one executor nothing is rounded).
 *
 * <p>{@link #close()} needs no barrier: a replica's last step ends only after every byte it
 * sends was consumed and every byte it needs arrived. {@link #abort} tells the peers and
 * returns without waiting for them.
 */
public final class PeerAllReduce implements GradientSync {
  /** 512K floats = 2 MB (fp32) per pushed chunk. */
  public static final int DEFAULT_CHUNK_FLOATS = 1 << 19;
  /** Chunks a sender keeps in flight (32 MB of fp32 with the default chunk: both halves' chunks of a 10M vector). */
  public static final int DEFAULT_WINDOW = 16;

  /**
   * How the exchange moves a vector: floats per pushed chunk, chunks each sender keeps in flight,
   * and whether two executors (the second with one replica) may use the halves exchange instead of
   * the chain (false: always the chain; tests and the benchmark compare them).
   */
  public record Tuning(int chunkFloats, int window, boolean split) implements java.io.Serializable {
    public static final Tuning DEFAULT = new Tuning(DEFAULT_CHUNK_FLOATS, DEFAULT_WINDOW, true);
  }

  /** Number format of the gradient on the wire. */
  public enum Precision {
    FP32(4), BF16(2);

    final int bytes;

    Precision(int bytes) {
      this.bytes = bytes;
    }

    public static Precision parse(String name) {
      return valueOf(name.trim().toUpperCase(Locale.ROOT));
    }
  }

  private final BarrierTaskContext context;
  private final int rank;
  private final int replicas;
  private final PeerExchange exchange;
  private long step = -1;
  private boolean left;

  /**
   * @param hierarchical false sends every replica's stream over the transport even when replicas
   *     share a JVM (tests use it to run the network path in one local-mode JVM)
   */
  public PeerAllReduce(BarrierTaskContext context, String run, Precision precision, int chunkFloats, boolean hierarchical,
      long timeoutMillis) {
    this(context, run, precision, new Tuning(chunkFloats, DEFAULT_WINDOW, true), hierarchical, timeoutMillis);
  }

  public PeerAllReduce(BarrierTaskContext context, String run, Precision precision, Tuning tuning, boolean hierarchical,
      long timeoutMillis) {
    this.context = context;
    this.rank = context.partitionId();
    this.replicas = context.getTaskInfos().length;
    if (replicas == 1) {
      this.exchange = null;
      return;
    }
    SyncTransport transport = SyncTransport.get();
    String key = run + "-st" + context.stageId() + "-a" + context.stageAttemptNumber();
    this.exchange = transport.exchanges.computeIfAbsent(key, k -> new PeerExchange(transport, k));
    exchange.join();
    // Whatever the caller does, the exchange is released when the task ends (a failed task aborts it).
    context.addTaskCompletionListener(new org.apache.spark.util.TaskCompletionListener() {
      @Override
      public void onTaskCompletion(org.apache.spark.TaskContext task) {
        if (task.isFailed() || task.isInterrupted()) {
          abort(new IllegalStateException("replica " + rank + "'s task failed"));
        } else {
          close();
        }
      }
    });
    try {
      String group = hierarchical ? transport.executorId() : transport.executorId() + "#" + rank;
      String[] endpoints = context.allGather(group + "\t" + transport.host() + "\t" + transport.port());
      exchange.configure(endpoints, precision, tuning.chunkFloats(), tuning.window(), tuning.split(), timeoutMillis);
    } catch (Exception e) {
      abort(e);
      throw new IllegalStateException("Could not set up the gradient exchange " + key + ": " + e, e);
    }
  }

  /** The training job's synchronizer (one instance per task). */
  public static GradientSync.Factory factory(Precision precision) {
    return factory(precision, DEFAULT_CHUNK_FLOATS, true);
  }

  public static GradientSync.Factory factory(Precision precision, int chunkFloats, boolean hierarchical) {
    return (context, run, timeoutMillis) -> new PeerAllReduce(context, run, precision, chunkFloats, hierarchical, timeoutMillis);
  }

  public int rank() {
    return rank;
  }

  @Override
  public void allReduceSum(ByteBuffer vector, int floats) {
    step++;
    if (exchange == null) {
      return;
    }
    try {
      exchange.allReduce(rank, step, vector, floats, context);
    } catch (RuntimeException | Error e) {
      // Whatever ended the wait (a peer's failure, the timeout, Spark killing the task): the peers must stop too.
      failed(e);
      throw e;
    } catch (Exception e) {
      failed(e);
      throw new IllegalStateException("Gradient all-reduce of replica " + rank + " failed at step " + step + ": " + e, e);
    }
  }

  private void failed(Throwable e) {
    exchange.fail(new IllegalStateException("replica " + rank + " left step " + step + ": " + e, e), true);
  }

  /** Payload bytes this replica pushed to / received from other runs (its run's leader counts them all). */
  @Override
  public long bytesSent() {
    return exchange == null ? 0 : exchange.bytesSent(rank);
  }

  @Override
  public long bytesReceived() {
    return exchange == null ? 0 : exchange.bytesReceived(rank);
  }

  @Override
  public synchronized void close() {
    if (exchange != null && !left) {
      left = true;
      exchange.leave(null);
    }
  }

  @Override
  public synchronized void abort(Throwable cause) {
    if (exchange != null && !left) {
      left = true;
      exchange.leave(cause == null ? new IllegalStateException("replica " + rank + " aborted") : cause);
    }
  }

  /** Gradient exchanges this JVM still holds (0 once every replica closed or aborted): for leak checks. */
  public static int openExchanges() {
    return SyncTransport.openExchanges();
  }
}
