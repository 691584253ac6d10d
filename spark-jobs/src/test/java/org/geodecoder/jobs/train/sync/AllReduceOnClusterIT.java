package org.geodecoder.jobs.train.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.jobs.train.sync.PeerAllReduce.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link PeerAllReduce} between the executors of a real standalone cluster on 127.0.0.1: two
 * workers with two task slots each, so 3 replicas always put two in one executor and one in the
 * other (the hierarchical path) and 4 replicas two in each. The cluster and the application run
 * with {@code spark.authenticate} and {@code spark.network.crypto.enabled}, as a secured
 * production cluster would: gradients cross Spark's authenticated, encrypted transport, and an
 * endpoint refuses a client without the secret. One cluster, one application, every case in turn.
 */
class AllReduceOnClusterIT {
  private static final String SECRET = "geodecoder-it-secret";
  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster(2,
      "-Dspark.authenticate=true -Dspark.authenticate.secret=" + SECRET
          // Spark 4.1's master refuses to start its REST submission server with authentication on.
          + " -Dspark.master.rest.enabled=false");

  @Test
  void exactSumsAcrossExecutorsHierarchyBf16AndFailures() throws Exception {
    SparkSession spark = SparkSession.builder().master(CLUSTER.masterUrl()).appName("AllReduceOnClusterIT")
        .config("spark.jars", LocalSparkCluster.assemblyJar() + "," + LocalSparkCluster.testClassesJar())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "1g")
        .config("spark.executor.cores", "2")
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true")
        .config("spark.ui.enabled", "false")
        .config("spark.authenticate", "true").config("spark.authenticate.secret", SECRET)
        .config("spark.network.crypto.enabled", "true")
        .getOrCreate();
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      // The executors' gradient endpoints run with authentication and encryption, and refuse a client without the secret.
      List<String> endpoints = AllReduceCheck.endpointSecurity(jsc, 4); // 4 slots: both executors
      for (String e : endpoints) {
        String[] f = e.split(":");
        assertEquals("true:true", f[2] + ":" + f[3], "authentication and encryption on the executor of endpoint " + e);
        String refused = AllReduceCheck.pushWithoutSecret(f[0], Integer.parseInt(f[1]));
        assertTrue(refused != null && !refused.contains("No gradient exchange"),
            "a push without the secret must be refused before it reaches the gradient handler: " + refused);
      }

      // Two replicas: the halves exchange (reduce-scatter, all-gather) and the chain, over ~8 uneven chunks.
      AllReduceCheck.Case two = new AllReduceCheck.Case(2, 2_000_003, 3, 1 << 18, Precision.FP32, false, -1);
      PeerAllReduceTest.assertExact(two, AllReduceCheck.run(jsc, two, 5, "halves", 60_000));
      AllReduceCheck.Case twoChain = new AllReduceCheck.Case(2, 2_000_003, 3, 1 << 18, Precision.FP32, false, -1, false, false);
      PeerAllReduceTest.assertExact(twoChain, AllReduceCheck.run(jsc, twoChain, 5, "chain2", 60_000));
      // 2 + 1 replicas: uneven shards over ~12 chunks, in-memory reduction inside the shared executor.
      AllReduceCheck.Case three = new AllReduceCheck.Case(3, 3_000_001, 4, 1 << 18, Precision.FP32, true, -1);
      List<AllReduceCheck.ReplicaReport> reports = AllReduceCheck.run(jsc, three, 5, "c3", 60_000);
      PeerAllReduceTest.assertExact(three, reports);
      Set<String> executors = new HashSet<>();
      reports.forEach(r -> executors.add(r.executor()));
      assertEquals(2, executors.size(), "3 replicas on the two 2-slot executors: 2 + 1");

      // Every rank its own run (network between every pair), and 2 + 2.
      AllReduceCheck.Case flat = new AllReduceCheck.Case(3, 1_000_003, 3, 100_000, Precision.FP32, false, -1);
      PeerAllReduceTest.assertExact(flat, AllReduceCheck.run(jsc, flat, 5, "flat3", 60_000));
      AllReduceCheck.Case four = new AllReduceCheck.Case(4, 1_000_003, 3, 100_000, Precision.FP32, true, -1);
      PeerAllReduceTest.assertExact(four, AllReduceCheck.run(jsc, four, 5, "c4", 60_000));

      // bf16 on the wire: identical on every replica, 2 bytes per float.
      AllReduceCheck.Case bf16 = new AllReduceCheck.Case(3, 200_000, 2, 30_000, Precision.BF16, true, -1);
      List<AllReduceCheck.ReplicaReport> b = AllReduceCheck.run(jsc, bf16, 5, "bf16", 60_000);
      for (AllReduceCheck.ReplicaReport r : b) {
        org.junit.jupiter.api.Assertions.assertArrayEquals(b.get(0).lastResult(), r.lastResult(), "replica " + r.rank());
        assertEquals(0, r.openExchangesAfter());
      }

      // Replica 1 throws at step 2 of the first attempt: the peers stop at once, the stage fails and Spark's retry
      // (attempt 1) then completes with exact sums and nothing of the failed attempt left (sync timeout 600 s).
      AtomicInteger attempts = new AtomicInteger();
      spark.sparkContext().addSparkListener(new SparkListener() {
        @Override
        public void onStageSubmitted(SparkListenerStageSubmitted e) {
          attempts.incrementAndGet();
        }
      });
      AllReduceCheck.Case failing = new AllReduceCheck.Case(3, 500_000, 4, 50_000, Precision.FP32, true, 2, true);
      long t0 = System.nanoTime();
      List<AllReduceCheck.ReplicaReport> retried = AllReduceCheck.run(jsc, failing, 5, "retry", 600_000);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertTrue(attempts.get() >= 2, "the failed attempt was retried (" + attempts.get() + " stage submissions)");
      assertTrue(seconds < 30, "failure noticed and stage retried in " + seconds + " s, not after the 600 s sync timeout");
      PeerAllReduceTest.assertExact(failing, retried);
    } finally {
      spark.stop();
    }
  }
}
