package org.geodecoder.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.BufferedReader;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.ReferencePartitioner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Partition benchmark (runs with -Pbench only): 4.72M realistic photo locations (MP-16's size),
 * the paper's 7 hierarchies, on this machine's cores. Times the partition job through the
 * launcher a user runs (JVM and Spark start-up included) and the single-threaded reference
 * run once per hierarchy, prints both and their ratio, and checks the finest hierarchy agrees.
 * Targets: job <= 60 s, >= 5x faster than the reference.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class PartitionBenchmark {
  private static final long POINTS = Long.getLong("geodecoder.bench.points", 4_720_000L);

  @Test
  void partitionJobVersusReference() throws Exception {
    Path root = LocalSparkCluster.projectRoot();
    Path dir = root.resolve("work/bench-partition");
    Path points = dir.resolve("points");
    if (!Files.exists(points.resolve("_SUCCESS"))) {
      launcher(root, "sample-points", "--count", String.valueOf(POINTS), "--output", points.toString());
    }
    long t0 = System.nanoTime();
    launcher(root, "partition", "--input", points.toString(), "--output", dir.resolve("out").toString(), "--overwrite", "true");
    double jobSeconds = (System.nanoTime() - t0) / 1e9;

    double[][] p = readPoints(points);
    PartitionParams params = PartitionParams.paperDefaults();
    long r0 = System.nanoTime();
    ReferencePartitioner.Result finest = null;
    for (int h = 0; h < params.hierarchies(); h++) {
      long h0 = System.nanoTime();
      finest = ReferencePartitioner.partition(p[0], p[1], params.tmin(h), params.tmax(h), params.minLevel(), params.maxLevel());
      System.out.printf("reference hierarchy %d: %d classes in %.1f s%n", h + 1, finest.cells().size(), (System.nanoTime() - h0) / 1e9);
    }
    double referenceSeconds = (System.nanoTime() - r0) / 1e9;

    long a0 = System.nanoTime();
    org.geodecoder.s2.CellVocabulary inMemory = org.geodecoder.s2.Partitioners.inMemory(p[0], p[1], params);
    double algorithmSeconds = (System.nanoTime() - a0) / 1e9;
    assertEquals(finest.cells().size(), inMemory.classes(6));

    List<String> csv = Files.readAllLines(dir.resolve("out/cells_h7.csv"));
    assertEquals(finest.cells().size(), csv.size() - 1, "finest hierarchy class count");
    for (int k = 0; k < finest.cells().size(); k++) {
      String[] f = csv.get(k + 1).split(",");
      assertEquals(CellIds.toToken(finest.cells().get(k)), f[1]);
      assertEquals((long) finest.counts().get(k), Long.parseLong(f[2]));
    }
    System.out.printf("%nPARTITION BENCHMARK (%d points, 7 hierarchies, %d cores)%n", p[0].length,
        Runtime.getRuntime().availableProcessors());
    System.out.printf("  partition job (launcher, Spark local[*], start-up included): %.1f s (target <= 60 s)%n", jobSeconds);
    System.out.printf("  reference x 7 (single thread, in memory, no I/O):           %.1f s%n", referenceSeconds);
    System.out.printf("  speed-up of the job over the reference: %.1fx (target >= 5x)%n", referenceSeconds / jobSeconds);
    System.out.printf("  production algorithm, single thread, in memory, all 7 in one walk: %.1f s (%.1fx the reference)%n",
        algorithmSeconds, referenceSeconds / algorithmSeconds);
    System.out.println("  job phases (s): " + new com.fasterxml.jackson.databind.ObjectMapper()
        .readTree(dir.resolve("out/summary.json").toFile()).get("phase_seconds"));
  }

  private static void launcher(Path root, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit-scripts/geodecoder").toString()));
    cmd.addAll(List.of(args));
    File log = Files.createTempFile("bench-", ".log").toFile();
    Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
    if (!proc.waitFor(20, TimeUnit.MINUTES) || proc.exitValue() != 0) {
      proc.destroyForcibly();
      throw new AssertionError(String.join(" ", args) + " failed: " + Files.readString(log.toPath()));
    }
  }

  private static double[][] readPoints(Path dir) throws Exception {
    List<double[]> rows = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(x -> x.getFileName().toString().endsWith(".csv")).sorted().toList()) {
        try (BufferedReader r = Files.newBufferedReader(f)) {
          r.readLine();
          for (String line = r.readLine(); line != null; line = r.readLine()) {
            String[] parts = line.split(",");
            rows.add(new double[] {Double.parseDouble(parts[2]), Double.parseDouble(parts[3])});
          }
        }
      }
    }
    double[][] p = new double[2][rows.size()];
    for (int i = 0; i < rows.size(); i++) {
      p[0][i] = rows.get(i)[0];
      p[1][i] = rows.get(i)[1];
    }
    return p;
  }
}
