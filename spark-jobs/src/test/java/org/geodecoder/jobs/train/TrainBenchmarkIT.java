package org.geodecoder.jobs.train;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerBlockUpdated;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.geodecoder.jobs.train.sync.PeerAllReduce;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training benchmark (runs with -Pbench only, on the loopback standalone cluster: two 1-core
 * workers): seconds per all-reduce of {@link PeerAllReduce} (fp32 and bf16 on the wire) for 10M
 * and 100M floats between the two executors, next to PyTorch's gloo all-reduce between two
 * processes on the same machine measured in the same run ({@code submit-scripts/gloo_allreduce.py}
 * with /usr/bin/python3 and Debian's python3-torch; said so and skipped when missing), and the
 * driver's listener events per all-reduce step; then {@code micro} training throughput with 1 and
 * 2 replicas. Prints a table. One command: {@code submit-scripts/bench-allreduce.sh}.
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
        .config("spark.executor.extraJavaOptions", "-Dio.netty.tryReflectionSetAccessible=true -Dai.djl.offline=true "
            + System.getProperty("geodecoder.bench.executorOptions", ""))
        .getOrCreate();
    StringBuilder report = new StringBuilder("\n=== TrainBenchmark (2 replicas, loopback standalone cluster) ===\n");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      double bandwidth = loopbackBytesPerSecond(1L << 30);
      report.append(String.format(Locale.ROOT, "loopback TCP bandwidth (one Java socket): %.2f GB/s%n", bandwidth / 1e9));
      // -Dgeodecoder.bench.sizes=1000000,10000000 (GEODECODER_BENCH_SIZES): e.g. a small size to see the fixed cost
      int[] sizes = java.util.Arrays.stream(System.getProperty("geodecoder.bench.sizes", "10000000,100000000").split(","))
          .mapToInt(x -> Integer.parseInt(x.trim())).toArray();
      // Gloo just before and just after ours, averaged: the machine's load drifts (other builds share its cores).
      Map<Integer, Double> glooBefore = glooSeconds(sizes, report);
      DriverEvents events = new DriverEvents();
      spark.sparkContext().addSparkListener(events);
      List<Row> rows = new ArrayList<>();
      for (int floats : sizes) {
        long blocks0 = events.blockUpdates.get();
        long other0 = events.other.get();
        double fp32 = AllReduceTiming.peerSeconds(jsc, floats, PeerAllReduce.Precision.FP32);
        double bf16 = AllReduceTiming.peerSeconds(jsc, floats, PeerAllReduce.Precision.BF16);
        double steps = 2.0 * AllReduceTiming.STEPS;
        rows.add(new Row(floats, fp32, bf16, String.format(Locale.ROOT, "%.1f, %.1f",
            (events.blockUpdates.get() - blocks0) / steps, (events.other.get() - other0) / steps)));
      }
      // Optional sweep of chunk sizes, windows and the chain topology side by side
      // (-Dgeodecoder.bench.variants=CHUNKxWINDOW[xchain],...).
      for (String variant : System.getProperty("geodecoder.bench.variants", "").split(",")) {
        if (variant.isBlank()) {
          continue;
        }
        String[] cw = variant.trim().split("x");
        PeerAllReduce.Tuning tuning = new PeerAllReduce.Tuning(Integer.parseInt(cw[0]), Integer.parseInt(cw[1]),
            !(cw.length > 2 && cw[2].equals("chain")));
        for (int floats : sizes) {
          double fp32 = AllReduceTiming.peerSeconds(jsc, floats, PeerAllReduce.Precision.FP32, tuning);
          double bf16 = AllReduceTiming.peerSeconds(jsc, floats, PeerAllReduce.Precision.BF16, tuning);
          rows.add(new Row(floats, fp32, bf16, "chunk " + tuning.chunkFloats() + " floats, window " + tuning.window() + ", "
              + (tuning.split() ? "halves" : "chain")));
        }
      }
      Map<Integer, Double> glooAfter = glooSeconds(sizes, report);
      PeerAllReduce.Tuning d = PeerAllReduce.Tuning.DEFAULT;
      report.append(String.format(Locale.ROOT, "gloo before / after ours: %s / %s; the ratios use the mean. Ours by default: "
          + "chunk %d floats, window %d, halves%n", glooBefore, glooAfter, d.chunkFloats(), d.window()));
      report.append("floats      ours fp32 s  ours bf16 s  gloo fp32 s  fp32/gloo  bf16/gloo  driver events/step (blocks, other)"
          + " or variant\n");
      for (Row row : rows) {
        Double b = glooBefore.get(row.floats());
        Double a = glooAfter.get(row.floats());
        Double g = b == null || a == null ? null : (b + a) / 2;
        report.append(String.format(Locale.ROOT, "%-11d %-12.3f %-12.3f %-12s %-10s %-10s %s%n", row.floats(), row.fp32(),
            row.bf16(), g == null ? "n/a" : String.format(Locale.ROOT, "%.3f", g),
            g == null ? "n/a" : String.format(Locale.ROOT, "%.2f", row.fp32() / g),
            g == null ? "n/a" : String.format(Locale.ROOT, "%.2f", row.bf16() / g), row.note()));
      }
      report.append("(driver events: block updates and every other listener event except executor heartbeats, per step of the\n"
          + " timing stages; 'other' is the stage/task start and end of the timing job itself, spread over its steps. The\n"
          + " all-reduce itself calls the driver only in allGather, once per stage.)\n");
      boolean micro = Boolean.parseBoolean(System.getProperty("geodecoder.bench.micro", "true"));
      TrainFixture data = micro ? TrainFixture.build(spark, dir.resolve("data"), 600, 3) : null;
      for (int replicas : micro ? new int[] {1, 2} : new int[0]) {
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

  /** Our seconds per all-reduce at one size, and what the row adds (driver events or the variant). */
  record Row(int floats, double fp32, double bf16, String note) {}

  /** Counts what reaches the driver's listener bus while the all-reduce runs (heartbeats excluded). */
  static final class DriverEvents extends SparkListener {
    final AtomicLong blockUpdates = new AtomicLong();
    final AtomicLong other = new AtomicLong();

    @Override
    public void onBlockUpdated(SparkListenerBlockUpdated e) {
      blockUpdates.incrementAndGet();
    }

    @Override
    public void onOtherEvent(SparkListenerEvent e) {
      other.incrementAndGet();
    }

    @Override
    public void onTaskStart(SparkListenerTaskStart e) {
      other.incrementAndGet();
    }

    @Override
    public void onTaskEnd(SparkListenerTaskEnd e) {
      other.incrementAndGet();
    }

    @Override
    public void onStageSubmitted(SparkListenerStageSubmitted e) {
      other.incrementAndGet();
    }

    @Override
    public void onStageCompleted(SparkListenerStageCompleted e) {
      other.incrementAndGet();
    }
  }

  /**
   * Gloo's seconds per all-reduce from submit-scripts/gloo_allreduce.py (2 processes), or an empty
   * map with a line saying why when /usr/bin/python3 has no torch.
   */
  static Map<Integer, Double> glooSeconds(int[] sizes, StringBuilder report) throws Exception {
    Map<Integer, Double> out = new HashMap<>();
    Path script = LocalSparkCluster.projectRoot().resolve("submit-scripts/gloo_allreduce.py");
    Process check = new ProcessBuilder("/usr/bin/python3", "-c", "import torch").redirectErrorStream(true).start();
    if (!check.waitFor(120, TimeUnit.SECONDS) || check.exitValue() != 0) {
      report.append("gloo: /usr/bin/python3 has no torch (apt-get install -y python3-torch); our figures alone\n");
      return out;
    }
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", script.toString()));
    for (int s : sizes) {
      cmd.add(Integer.toString(s));
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("WORLD", "2");
    try (ServerSocket free = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      pb.environment().put("PORT", Integer.toString(free.getLocalPort())); // not the script's fixed default: others may use it
    }
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
      report.append("gloo: the script failed: ").append(output).append('\n');
      return out;
    }
    Matcher m = Pattern.compile("floats=(\\d+) seconds=([0-9.]+)").matcher(output);
    while (m.find()) {
      out.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
    }
    report.append("gloo (torch ").append(torchVersion()).append(", 2 processes, run just before ours): ").append(out).append('\n');
    return out;
  }

  private static String torchVersion() throws Exception {
    Process p = new ProcessBuilder("/usr/bin/python3", "-c", "import torch; print(torch.__version__)").redirectErrorStream(true).start();
    String v = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
    p.waitFor(60, TimeUnit.SECONDS);
    return v;
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
