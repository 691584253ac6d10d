package org.geodecoder.jobs.train.sync;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * Runs {@link PeerAllReduce} in a barrier stage of N tasks for several steps, the way the step
 * engine calls it (one preallocated direct buffer per replica, reduced in place), and reports
 * what every replica saw, for comparison with the rank-order sums computed here.
 */
final class AllReduceCheck {
  /**
   * A case: replicas, floats, chunk size, precision, hierarchical, the step at which rank 1 throws
   * (-1: never), whether that failure reaches Spark (every replica rethrows; rank 1 throws in
   * the first stage attempt only, so Spark's stage retry then succeeds) or is only reported, and
   * whether two runs may use the halves exchange (false: always the chain).
   */
  record Case(int replicas, int length, int steps, int chunkFloats, PeerAllReduce.Precision precision, boolean hierarchical,
      int failAtStep, boolean failTheStage, boolean halves) implements java.io.Serializable {
    Case(int replicas, int length, int steps, int chunkFloats, PeerAllReduce.Precision precision, boolean hierarchical,
        int failAtStep, boolean failTheStage) {
      this(replicas, length, steps, chunkFloats, precision, hierarchical, failAtStep, failTheStage, true);
    }

    Case(int replicas, int length, int steps, int chunkFloats, PeerAllReduce.Precision precision, boolean hierarchical,
        int failAtStep) {
      this(replicas, length, steps, chunkFloats, precision, hierarchical, failAtStep, false);
    }
  }

  /** What one replica saw: its executor, per-step results (full vectors for small cases), bytes moved, leftovers. */
  record ReplicaReport(int rank, String executor, int[] stepHashes, float[] lastResult, long bytesSent, long bytesReceived,
      int openExchangesAfter, String error, long failedAtMillis) implements java.io.Serializable {}

  private AllReduceCheck() {}

  static float[] vector(long seed, int rank, int step, int length) {
    SplittableRandom r = new SplittableRandom(seed * 1_000_003L + rank * 7919L + step);
    float[] v = new float[length];
    for (int i = 0; i < length; i++) {
      // Wide exponents, exact cancellations and signed zeros: sums that depend on the order.
      double u = r.nextDouble();
      v[i] = u < 0.02 ? (r.nextBoolean() ? -0f : 0f) : (float) ((r.nextDouble() * 2 - 1) * Math.pow(2, r.nextInt(-20, 20)));
    }
    return v;
  }

  /** What AllGatherSync computes: 0 + x0 + x1 + … in rank order. */
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
      bits[i] = Float.floatToRawIntBits(v[i]);
    }
    return Arrays.hashCode(bits);
  }

  static List<ReplicaReport> run(JavaSparkContext jsc, Case c, long seed, String runName, long timeoutMillis) {
    List<Integer> ranks = new ArrayList<>();
    for (int i = 0; i < c.replicas(); i++) {
      ranks.add(i);
    }
    return BarrierStage.mapPartitions(jsc.parallelize(ranks, c.replicas()), it -> {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      int rank = ctx.partitionId();
      int[] hashes = new int[c.steps()];
      float[] v = null;
      String error = null;
      long failedAt = -1;
      long sent = 0;
      long received = 0;
      ByteBuffer buffer = ByteBuffer.allocateDirect(c.length() * Float.BYTES + 64).order(ByteOrder.nativeOrder());
      PeerAllReduce sync = new PeerAllReduce(ctx, runName, c.precision(),
          new PeerAllReduce.Tuning(c.chunkFloats(), PeerAllReduce.DEFAULT_WINDOW, c.halves()), c.hierarchical(), timeoutMillis);
      try {
        for (int s = 0; s < c.steps(); s++) {
          if (s == c.failAtStep()) {
            if (rank == 1 && (!c.failTheStage() || ctx.stageAttemptNumber() == 0)) {
              throw new IllegalStateException("replica 1 fails on purpose at step " + s);
            }
          }
          v = vector(seed, rank, s, c.length());
          buffer.clear();
          buffer.asFloatBuffer().put(v);
          buffer.position(7); // the contract: read from index 0 whatever the position
          sync.allReduceSum(buffer, c.length());
          buffer.position(0).asFloatBuffer().get(v);
          hashes[s] = hash(v);
        }
        sent = sync.bytesSent();
        received = sync.bytesReceived();
        sync.close();
      } catch (RuntimeException e) {
        sync.abort(e);
        if (c.failTheStage()) {
          throw e;
        }
        error = e.getMessage();
        failedAt = System.currentTimeMillis(); // wall clock: comparable between the executors of one machine
      }
      ctx.barrier(); // every replica has closed or aborted: nothing of the exchange may be left
      return List.of(new ReplicaReport(rank, SparkEnv.get().executorId(), hashes, c.length() <= 100_000 ? v : null, sent,
          received, PeerAllReduce.openExchanges(), error, failedAt)).iterator();
    }, ReplicaReport.class).repartition(1).collect(); // a shuffle after it: Spark retries barrier shuffle-map stages only

  }

  /**
   * Each of {@code tasks} barrier tasks reports its executor's gradient endpoint as
   * "host:port:authentication:encryption". Here rather than in the test class, whose lambdas
   * executors could not load (it references JUnit, which executors do not have).
   */
  static List<String> endpointSecurity(JavaSparkContext jsc, int tasks) {
    List<Integer> ranks = new ArrayList<>();
    for (int i = 0; i < tasks; i++) {
      ranks.add(i);
    }
    return BarrierStage.mapPartitions(jsc.parallelize(ranks, tasks), it -> {
      BarrierTaskContext.get().barrier();
      SyncTransport t = SyncTransport.get();
      org.apache.spark.SecurityManager security = SparkEnv.get().securityManager();
      return List.of(t.host() + ":" + t.port() + ":" + security.isAuthenticationEnabled() + ":"
          + security.isEncryptionEnabled()).iterator();
    }, String.class).collect();
  }

  /**
   * Pushes a chunk for an exchange that does not exist to a gradient endpoint with a client of
   * Spark's transport that lacks the auth bootstrap, and returns why it failed (null: accepted).
   * An endpoint without authentication answers "No gradient exchange nobody …" from our handler;
   * with it, Spark's auth handler refuses the stream before our handler sees it.
   */
  static String pushWithoutSecret(String host, int port) throws Exception {
    org.apache.spark.network.util.TransportConf conf = new org.apache.spark.network.util.TransportConf("shuffle",
        new org.apache.spark.network.util.MapConfigProvider(java.util.Map.of()));
    try (org.apache.spark.network.TransportContext context = new org.apache.spark.network.TransportContext(conf,
        new org.apache.spark.network.server.NoOpRpcHandler());
        org.apache.spark.network.client.TransportClientFactory factory = context.createClientFactory()) {
      org.apache.spark.network.client.TransportClient client = factory.createClient(host, port);
      byte[] key = "nobody".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      ByteBuffer meta = ByteBuffer.allocate(4 + key.length).putInt(key.length).put(key).flip();
      java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
      client.uploadStream(new org.apache.spark.network.buffer.NioManagedBuffer(meta),
          new org.apache.spark.network.buffer.NioManagedBuffer(ByteBuffer.allocate(1024)),
          new org.apache.spark.network.client.RpcResponseCallback() {
            @Override
            public void onSuccess(ByteBuffer response) {
              outcome.complete(null);
            }

            @Override
            public void onFailure(Throwable e) {
              outcome.complete(e);
            }
          });
      Throwable failure = outcome.get(30, java.util.concurrent.TimeUnit.SECONDS);
      return failure == null ? null : String.valueOf(failure.getMessage());
    }
  }
}
