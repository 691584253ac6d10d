package org.geodecoder.jobs.train.sync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockManager;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.TestBlockId;
import org.apache.spark.util.io.ChunkedByteBuffer;
import scala.Option;
import scala.reflect.ClassTag$;

/**
 * Bandwidth-optimal all-reduce of a flat float vector among the N tasks of one Spark barrier
 * stage, through Spark's own block manager: the design of BigDL's {@code AllReduceParameter}
 * (BigDL itself only exists for Spark 2.4 / Scala 2.11), written by hand for current Spark.
 *
 * <p>Replica r owns shard r (1/N of the vector). Each step:
 * <ol>
 *   <li>reduce-scatter: r puts shard j of its vector as a block for every peer j, fetches the
 *       N−1 blocks addressed to it, and sums shard r in rank order 0..N−1 (so every replica
 *       computes bit-identical sums, whatever the arrival order);
 *   <li>all-gather: r puts its reduced shard, fetches every peer's reduced shard.
 * </ol>
 * Each replica sends and receives 2·(N−1)/N of the vector per step; the driver only answers
 * block-location lookups. Phases are synchronised by polling for the peers' blocks (a barrier
 * costs ≈ 1 s per call in Spark), with a timeout that fails the task so Spark retries the
 * stage when a peer is gone. {@link BarrierTaskContext#barrier()} is used only in {@link
 * #close()}.
 *
 * <p>Block lifetime: r's raw shards of step t are removed once r holds every reduced shard of
 * step t (each peer published its reduced shard only after consuming its raw inputs); r's
 * reduced shard of step t−1 is removed at the end of step t (every peer has finished step t−1
 * by then). Memory stays flat over any number of steps. Shards larger than {@code chunkFloats}
 * are split over several blocks (Spark fetches blocks above 200 MB through disk).
 *
 * <p>Not thread-safe: one instance per task, used by that task's thread.
 */
public final class BlockManagerAllReduce implements GradientSync {
  /** 16M floats = 64 MB per block. */
  public static final int DEFAULT_CHUNK_FLOATS = 16 << 20;

  private final BarrierTaskContext context;
  private final BlockManager blockManager;
  private final String run;
  private final int rank;
  private final int replicas;
  private final int chunkFloats;
  private final long timeoutMillis;
  private final List<BlockId> rawOfCurrentStep = new ArrayList<>();
  private final List<BlockId> reducedOfPreviousStep = new ArrayList<>();
  private final List<BlockId> reducedOfCurrentStep = new ArrayList<>();
  private long step = -1;
  private long bytesSent;
  private long bytesReceived;

  /**
   * @param run a name unique to this training run (block names start with it and the stage attempt)
   */
  public BlockManagerAllReduce(BarrierTaskContext context, String run, int chunkFloats, long timeoutMillis) {
    this.context = context;
    this.blockManager = SparkEnv.get().blockManager();
    this.run = run + "-a" + context.stageAttemptNumber();
    this.rank = context.partitionId();
    this.replicas = context.getTaskInfos().length;
    this.chunkFloats = chunkFloats;
    this.timeoutMillis = timeoutMillis;
  }

  public int rank() {
    return rank;
  }

  public int replicas() {
    return replicas;
  }

  /** Bytes this replica put for peers / fetched from peers so far. */
  @Override
  public long bytesSent() {
    return bytesSent;
  }

  @Override
  public long bytesReceived() {
    return bytesReceived;
  }

  /** A factory for the training job (one instance per task). */
  public static GradientSync.Factory factory(int chunkFloats) {
    return (context, run, timeoutMillis) -> new BlockManagerAllReduce(context, run, chunkFloats, timeoutMillis);
  }

  /** First index of shard j of a vector of {@code length}. */
  int shardStart(int j, int length) {
    return (int) ((long) length * j / replicas);
  }

  /**
   * Replaces {@code vector} in place by the element-wise sum over all replicas. Every replica
   * must make the same sequence of calls, with vectors of the same lengths.
   */
  @Override
  public void allReduceSum(ByteBuffer buffer, int floats) {
    // Interim adapter to the step engine's buffer contract (the pipelined collective replaces this class).
    float[] vector = new float[floats];
    buffer.duplicate().order(ByteOrder.nativeOrder()).position(0).asFloatBuffer().get(vector, 0, floats);
    allReduceSum(vector);
    buffer.duplicate().order(ByteOrder.nativeOrder()).position(0).asFloatBuffer().put(vector, 0, floats);
  }

  @Override
  public void allReduceSum(float[] vector) {
    int length = vector.length;
    step++;
    if (replicas == 1) {
      return;
    }
    // 1. Reduce-scatter: publish every peer's shard, then sum our own in rank order.
    for (int j = 0; j < replicas; j++) {
      if (j != rank) {
        rawOfCurrentStep.addAll(put("raw", rank, j, vector, shardStart(j, length), shardStart(j + 1, length)));
      }
    }
    int from = shardStart(rank, length);
    int to = shardStart(rank + 1, length);
    float[] sum = new float[to - from];
    for (int i = 0; i < replicas; i++) {
      if (i == rank) {
        for (int k = 0; k < sum.length; k++) {
          sum[k] += vector[from + k];
        }
      } else {
        float[] part = fetch("raw", i, rank, to - from);
        for (int k = 0; k < sum.length; k++) {
          sum[k] += part[k];
        }
      }
    }
    System.arraycopy(sum, 0, vector, from, sum.length);
    reducedOfCurrentStep.addAll(put("red", rank, -1, vector, from, to));

    // 2. All-gather the peers' reduced shards.
    for (int j = 0; j < replicas; j++) {
      if (j != rank) {
        float[] part = fetch("red", j, -1, shardStart(j + 1, length) - shardStart(j, length));
        System.arraycopy(part, 0, vector, shardStart(j, length), part.length);
      }
    }
    // Every peer has consumed our raw shards (it published its reduced one), and finished the
    // previous step (it published this step's reduced shard).
    remove(rawOfCurrentStep);
    remove(reducedOfPreviousStep);
    reducedOfPreviousStep.addAll(reducedOfCurrentStep);
    reducedOfCurrentStep.clear();
  }

  /** Meets every peer once more (the only barrier), then removes the last blocks. */
  @Override
  public void close() {
    if (replicas > 1) {
      context.barrier();
    }
    remove(reducedOfPreviousStep);
    remove(rawOfCurrentStep);
  }

  private List<BlockId> put(String kind, int owner, int target, float[] vector, int from, int to) {
    List<BlockId> ids = new ArrayList<>();
    int chunks = Math.max(1, (to - from + chunkFloats - 1) / chunkFloats);
    for (int c = 0; c < chunks; c++) {
      int a = from + c * chunkFloats;
      int b = Math.min(to, a + chunkFloats);
      ByteBuffer buf = ByteBuffer.allocate((b - a) * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
      buf.asFloatBuffer().put(vector, a, b - a);
      BlockId id = blockId(kind, owner, target, c);
      boolean ok = blockManager.putBytes(id, new ChunkedByteBuffer(buf), StorageLevel.MEMORY_ONLY_SER(), true,
          ClassTag$.MODULE$.apply(byte[].class));
      if (!ok) {
        throw new IllegalStateException("Block manager refused block " + id + " (" + buf.capacity() + " bytes)");
      }
      bytesSent += buf.capacity();
      ids.add(id);
    }
    return ids;
  }

  private float[] fetch(String kind, int owner, int target, int floats) {
    float[] out = new float[floats];
    int chunks = Math.max(1, (floats + chunkFloats - 1) / chunkFloats);
    for (int c = 0; c < chunks; c++) {
      BlockId id = blockId(kind, owner, target, c);
      ByteBuffer buf = await(id).order(ByteOrder.LITTLE_ENDIAN);
      FloatBuffer fb = buf.asFloatBuffer();
      fb.get(out, c * chunkFloats, fb.remaining());
      bytesReceived += buf.capacity();
    }
    return out;
  }

  /** Polls until a peer has put the block; fails the task after the timeout. */
  private ByteBuffer await(BlockId id) {
    long start = System.nanoTime();
    long sleepMicros = 50;
    while (true) {
      Option<ChunkedByteBuffer> bytes = blockManager.getRemoteBytes(id);
      if (bytes.isDefined()) {
        return bytes.get().toByteBuffer();
      }
      // When a peer's executor is lost, Spark kills the other barrier tasks without interrupting
      // their threads; this check ends the wait at once instead of after the timeout.
      context.killTaskIfInterrupted();
      long waited = (System.nanoTime() - start) / 1_000_000;
      if (waited > timeoutMillis) {
        throw new IllegalStateException("Replica " + rank + " waited " + waited + " ms for block " + id
            + " at step " + step + ": a peer is gone or stuck; failing the task so Spark retries the stage");
      }
      try {
        Thread.sleep(sleepMicros / 1000, (int) (sleepMicros % 1000) * 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("Interrupted while waiting for block " + id, e);
      }
      sleepMicros = Math.min(5_000, sleepMicros * 2);
    }
  }

  private void remove(List<BlockId> ids) {
    for (BlockId id : ids) {
      blockManager.removeBlock(id, true);
    }
    ids.clear();
  }

  private BlockId blockId(String kind, int owner, int target, int chunk) {
    return new TestBlockId("geodecoder-" + run + "-" + kind + "-s" + step + "-f" + owner + "-t" + target + "-c" + chunk);
  }

  /** Names of this run's blocks still held by the local block manager (for leak checks). */
  public static int localBlocksOf(String runPrefix) {
    BlockManager bm = SparkEnv.get().blockManager();
    return bm.getMatchingBlockIds(
        scala.Function1.class.cast((scala.Function1<BlockId, Object>) id -> id.name().startsWith("geodecoder-" + runPrefix)))
        .size();
  }
}
