package org.geodecoder.jobs.train.sync;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.train.sync.PeerAllReduce.Precision;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link PeerAllReduce} in local mode. With {@code hierarchical=false} every replica is its own
 * run and every chunk crosses Spark's transport on 127.0.0.1 (the executor-to-executor path in
 * one JVM); with {@code true} the replicas share the JVM and reduce in memory.
 */
class PeerAllReduceTest {
  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = SparkSession.builder().master("local[3]").appName("PeerAllReduceTest").config("spark.ui.enabled", "false")
        .getOrCreate();
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  static List<AllReduceCheck.ReplicaReport> run(SparkSession session, AllReduceCheck.Case c, String name) {
    return AllReduceCheck.run(JavaSparkContext.fromSparkContext(session.sparkContext()), c, 5, name, 60_000);
  }

  /** Bit-identical rank-order sums at every step, exact payload bytes, nothing left behind. */
  static void assertExact(AllReduceCheck.Case c, List<AllReduceCheck.ReplicaReport> reports) {
    assertEquals(c.replicas(), reports.size());
    int[] expected = new int[c.steps()];
    for (int s = 0; s < c.steps(); s++) {
      // One replica: nothing to add, the vector comes back untouched (the fold 0 + x0 would only turn −0 into +0).
      expected[s] = AllReduceCheck.hash(c.replicas() == 1 ? AllReduceCheck.vector(5, 0, s, c.length())
          : AllReduceCheck.expectedSum(5, c.replicas(), s, c.length()));
    }
    List<AllReduceCheck.ReplicaReport> byRank = new java.util.ArrayList<>(reports);
    byRank.sort(java.util.Comparator.comparingInt(AllReduceCheck.ReplicaReport::rank));
    // Runs: maximal consecutive ranks in one executor (hierarchical), else every rank alone.
    int[] runOf = new int[c.replicas()];
    boolean[] leader = new boolean[c.replicas()];
    int runs = 0;
    for (int i = 0; i < c.replicas(); i++) {
      boolean newRun = i == 0 || !c.hierarchical() || !byRank.get(i).executor().equals(byRank.get(i - 1).executor());
      runs += newRun ? 1 : 0;
      runOf[i] = runs - 1;
      leader[i] = newRun;
    }
    long v = (long) c.length() * c.precision().bytes * c.steps();
    for (AllReduceCheck.ReplicaReport r : byRank) {
      assertNull(r.error(), "replica " + r.rank());
      assertArrayEquals(expected, r.stepHashes(), "replica " + r.rank() + ": the rank-order sums, bit for bit, at every step");
      assertEquals(0, r.openExchangesAfter(), "replica " + r.rank() + " left an exchange behind");
      // A chain of runs: partial sums go run j → j+1, final sums last → 0 → 1 → … → last−1; the leader (first rank)
      // of a run counts its run's bytes, the others move nothing. Two runs by halves move the same bytes: each sends one
      // half's partial sums (or values) and the other half's final sums.
      int j = runOf[r.rank()];
      boolean last = j == runs - 1;
      long sent = runs == 1 || !leader[r.rank()] ? 0 : last || j == runs - 2 ? v : 2 * v;
      long received = runs == 1 || !leader[r.rank()] ? 0 : last ? v : j == 0 ? v : 2 * v;
      assertEquals(sent, r.bytesSent(), "payload bytes sent by replica " + r.rank() + " (run " + j + " of " + runs + ")");
      assertEquals(received, r.bytesReceived(), "payload bytes received by replica " + r.rank() + " (run " + j + " of " + runs + ")");
    }
  }

  @ParameterizedTest(name = "{0} replicas, {1} floats, chunks of {2}, hierarchical {3}")
  @CsvSource({"2, 1001, 100, false", "3, 1000, 64, false", "3, 100003, 4096, false", "3, 1000, 64, true", "3, 7, 1000000, true",
      "1, 50, 10, true"})
  void everyReplicaGetsTheRankOrderSum(int replicas, int length, int chunk, boolean hierarchical) {
    AllReduceCheck.Case c = new AllReduceCheck.Case(replicas, length, 6, chunk, Precision.FP32, hierarchical, -1);
    assertExact(c, run(spark, c, "t" + replicas + "-" + length + "-" + hierarchical));
  }

  /**
   * Two runs of one replica each: the halves exchange (run 0 folds the lower half, run 1 the upper)
   * and the chain give the same bits and move the same bytes, uneven last chunk included.
   */
  @ParameterizedTest(name = "halves {0}")
  @CsvSource({"true", "false"})
  void twoRunsByHalvesOrByChainGiveTheRankOrderSum(boolean halves) {
    AllReduceCheck.Case c = new AllReduceCheck.Case(2, 100_003, 4, 4096, Precision.FP32, false, -1, false, halves);
    assertExact(c, run(spark, c, "two-" + halves));
    AllReduceCheck.Case one = new AllReduceCheck.Case(2, 3, 2, 4096, Precision.FP32, false, -1, false, halves); // a single chunk
    assertExact(one, run(spark, one, "two-one-" + halves));
  }

  @Test
  void bf16ByHalvesStaysWithinTwoRoundingsAndIdenticalOnBothReplicas() {
    AllReduceCheck.Case c = new AllReduceCheck.Case(2, 5000, 2, 700, Precision.BF16, false, -1);
    List<AllReduceCheck.ReplicaReport> reports = run(spark, c, "bf16-halves");
    float[] exact = AllReduceCheck.expectedSum(5, 2, 1, c.length());
    float[] x0 = AllReduceCheck.vector(5, 0, 1, c.length());
    float[] x1 = AllReduceCheck.vector(5, 1, 1, c.length());
    float[] got = reports.get(0).lastResult();
    int rounded = 0;
    for (int i = 0; i < exact.length; i++) {
      // One rounding of what crosses (x0's fold or x1, each ≤ Σ|x|) and one of the final sum.
      double bound = 2 * Math.scalb(1.0, -8) * (Math.abs(x0[i]) + Math.abs(x1[i])) * (1 + 1e-3);
      assertTrue(Math.abs(got[i] - exact[i]) <= bound, "element " + i + ": " + got[i] + " vs " + exact[i] + " bound " + bound);
      assertEquals(0, Float.floatToRawIntBits(got[i]) & 0xffff, "the result is a bf16 value");
      rounded += got[i] != exact[i] ? 1 : 0;
    }
    assertTrue(rounded > exact.length / 2, "most sums were rounded: bf16 really went over the wire (" + rounded + ")");
    for (AllReduceCheck.ReplicaReport r : reports) {
      assertArrayEquals(got, r.lastResult(), "replica " + r.rank() + " holds the same bf16 sums");
      assertEquals(2L * c.length() * c.steps(), r.bytesSent(), "half the vector out, the other half's sums back: 2 bytes a float");
      assertEquals(2L * c.length() * c.steps(), r.bytesReceived());
      assertEquals(0, r.openExchangesAfter());
    }
  }

  @Test
  void bf16OnTheWireStaysWithinItsBoundAndIdenticalOnEveryReplica() {
    int n = 3;
    AllReduceCheck.Case c = new AllReduceCheck.Case(n, 5000, 2, 700, Precision.BF16, false, -1);
    List<AllReduceCheck.ReplicaReport> reports = run(spark, c, "bf16");
    float[] exact = AllReduceCheck.expectedSum(5, n, 1, c.length());
    float[] got = reports.get(0).lastResult();
    float[][] x = new float[n][];
    for (int r = 0; r < n; r++) {
      x[r] = AllReduceCheck.vector(5, r, 1, c.length());
    }
    int rounded = 0;
    for (int i = 0; i < exact.length; i++) {
      double abs = 0;
      for (int r = 0; r < n; r++) {
        abs += Math.abs(x[r][i]);
      }
      // One bf16 rounding (relative 2^-8) per run boundary and at the end: n roundings of partial sums ≤ Σ|x|.
      double bound = n * Math.scalb(1.0, -8) * abs * (1 + 1e-3);
      assertTrue(Math.abs(got[i] - exact[i]) <= bound, "element " + i + ": " + got[i] + " vs " + exact[i] + " bound " + bound);
      assertEquals(Float.floatToRawIntBits(got[i]) & 0xffff, 0, "the result is a bf16 value");
      rounded += got[i] != exact[i] ? 1 : 0;
    }
    assertTrue(rounded > exact.length / 2, "most sums were rounded: bf16 really went over the wire (" + rounded + ")");
    for (AllReduceCheck.ReplicaReport r : reports) {
      assertArrayEquals(got, r.lastResult(), "replica " + r.rank() + " holds the same bf16 sums");
      assertEquals(0, r.openExchangesAfter());
    }
    // Rank 0 (run 0 of 3) sends its partial sums and passes the final sums on to run 1: twice the vector, 2 bytes a float.
    assertEquals(2 * 2L * c.length() * c.steps(), reports.stream().filter(r -> r.rank() == 0).findFirst().orElseThrow().bytesSent(),
        "2 bytes per float on the wire");
  }

  @ParameterizedTest(name = "hierarchical {0}")
  @CsvSource({"false", "true"})
  void aReplicaThatThrowsFailsItsPeersAtOnce(boolean hierarchical) {
    AllReduceCheck.Case c = new AllReduceCheck.Case(3, 10_000, 5, 1000, Precision.FP32, hierarchical, 3);
    List<AllReduceCheck.ReplicaReport> reports = run(spark, c, "fail" + hierarchical);
    long thrownAt = reports.stream().filter(r -> r.rank() == 1).findFirst().orElseThrow().failedAtMillis();
    for (AllReduceCheck.ReplicaReport r : reports) {
      assertNotNull(r.error(), "replica " + r.rank() + " failed");
      if (r.rank() != 1) {
        assertTrue(r.error().contains("replica 1 fails on purpose"), "the peers learn why: " + r.error());
        double after = (r.failedAtMillis() - thrownAt) / 1e3;
        assertTrue(after < 5, "replica " + r.rank() + " stopped waiting " + after + " s after replica 1 threw (sync timeout 60 s)");
      }
      assertEquals(0, r.openExchangesAfter(), "replica " + r.rank() + " left an exchange behind");
    }
  }

  @Test
  void withoutAuthenticationTheProbeReachesTheGradientHandler() throws Exception {
    // What the authenticated cases rule out: a client without a secret gets as far as our handler.
    SyncTransport endpoint = SyncTransport.get();
    String answer = AllReduceCheck.pushWithoutSecret(endpoint.host(), endpoint.port());
    assertTrue(answer != null && answer.contains("No gradient exchange nobody"), answer);
  }

  @Test
  void authenticatedAndEncryptedTransportGivesTheSameSums() throws Exception {
    spark.stop();
    SparkSession secure = SparkSession.builder().master("local[2]").appName("PeerAllReduceTest-secure")
        .config("spark.ui.enabled", "false").config("spark.authenticate", "true")
        .config("spark.authenticate.secret", "geodecoder-test-secret").config("spark.network.crypto.enabled", "true")
        .getOrCreate();
    try {
      AllReduceCheck.Case c = new AllReduceCheck.Case(2, 30_001, 3, 4000, Precision.FP32, false, -1);
      assertExact(c, run(secure, c, "secure"));
      SyncTransport endpoint = SyncTransport.get();
      String refused = AllReduceCheck.pushWithoutSecret(endpoint.host(), endpoint.port());
      assertTrue(refused != null && !refused.contains("No gradient exchange"),
          "a push without the secret is refused before it reaches the gradient handler: " + refused);
    } finally {
      secure.stop();
      start();
    }
  }
}
