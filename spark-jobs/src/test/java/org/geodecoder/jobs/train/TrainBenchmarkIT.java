package org.geodecoder.jobs.train;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training benchmark (runs with -Pbench only, on the loopback standalone cluster: two 1-core
 * workers): per-step all-reduce time of the block-manager synchronizer vs the reference (driver
 * {@code treeAggregate} + broadcast, one job per step) for 10M and 100M floats, both against the
 * ring bound 2·(N−1)/N·size/bandwidth with the loopback TCP bandwidth measured in the same run;
 * then {@code micro} training throughput with 1 and 2 replicas. Prints a table.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class TrainBenchmarkIT {
  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();
  @TempDir static Path dir;

  @Test
  void allReduceAndTrainingThroughput() throws Exception {
    SparkSession spark = SparkSession.builder().master(CLUSTER.masterUrl()).appName("TrainBenchmark")
        .config("spark.jars", LocalSparkCluster.assemblyJar() + "," + LocalSparkCluster.testClassesJar())
        .config("spark.driver.host", "127.0.0.1").config("spark.executor.memory", "3g")
        .config("spark.driver.maxResultSize", "2g").config("spark.ui.enabled", "false")
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true")
        .getOrCreate();
    StringBuilder report = new StringBuilder("\n=== TrainBenchmark (2 replicas, loopback standalone cluster) ===\n");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      double bandwidth = loopbackBytesPerSecond(1L << 30);
      report.append(String.format(Locale.ROOT, "loopback TCP bandwidth: %.2f GB/s%n", bandwidth / 1e9));
      report.append("floats      block-manager s/step  reference s/step  speed-up  ring bound s  bm/bound  ref/bound\n");
      for (int floats : new int[] {10_000_000, 100_000_000}) {
        double bm = AllReduceTiming.blockManagerSeconds(jsc, floats);
        double ref = AllReduceTiming.referenceSeconds(jsc, floats);
        double bound = 2.0 * (2 - 1) / 2 * floats * 4.0 / bandwidth;
        report.append(String.format(Locale.ROOT, "%-11d %-21.3f %-17.3f %-9.2f %-13.4f %-9.1f %.1f%n", floats, bm, ref,
            ref / bm, bound, bm / bound, ref / bound));
      }
      TrainFixture data = TrainFixture.build(spark, dir.resolve("data"), 600, 3);
      for (int replicas : new int[] {1, 2}) {
        Path run = dir.resolve("run" + replicas);
        long t0 = System.nanoTime();
        TrainJob.run(spark, TrainOptions.parse(data.options(run, "replicas", Integer.toString(replicas),
            "batch-size", "16", "max-steps", "30", "val-samples", "0", "checkpoint-every", "1000", "log-every", "10")));
        double wall = (System.nanoTime() - t0) / 1e9;
        var lines = TrainJobTest.stepLines(run);
        double rate = lines.get(lines.size() - 1).get("samples_per_s").asDouble();
        report.append(String.format(Locale.ROOT, "micro, %d replica(s), batch 16, 30 steps: %.1f samples/s in the stage"
            + " (job %.1f s with planning and start-up)%n", replicas, rate, wall));
      }
    } finally {
      spark.stop();
    }
    System.out.println(report);
  }

  /** Bytes per second through one TCP connection on 127.0.0.1. */
  static double loopbackBytesPerSecond(long bytes) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread writer = new Thread(() -> {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getLocalPort());
            OutputStream out = s.getOutputStream()) {
          byte[] buf = new byte[1 << 20];
          for (long sent = 0; sent < bytes; sent += buf.length) {
            out.write(buf);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      writer.start();
      try (Socket s = server.accept(); InputStream in = s.getInputStream()) {
        byte[] buf = new byte[1 << 20];
        long t0 = System.nanoTime();
        long got = 0;
        int n;
        while ((n = in.read(buf)) > 0) {
          got += n;
        }
        writer.join();
        return got / ((System.nanoTime() - t0) / 1e9);
      }
    }
  }

}
