package org.geodecoder.jobs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedWriter;
import java.io.File;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.geodecoder.geo.PhotoLocationSampler;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.Partitioners;
import org.geodecoder.s2.SortedLeafCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Partition benchmark (runs with -Pbench only): 4,658,503 MP-16-like photo locations (one CSV
 * file {@code IMG_ID,LAT,LON}, about 141 MB), the paper's 7 hierarchies. Times the partition job
 * through the launcher a user runs (JVM and Spark start-up included) and, in the same run, the
 * physical floor of its input path: one thread parsing the same file, computing the S2 leaf
 * ids and sorting them. Prints both, their ratio and the job's phases, and checks that the job's
 * seven cells_h*.csv equal the in-memory partitioner's. Target: job <= 15 s wall on 2 cores.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class PartitionBenchmark {
  private static final long POINTS = Long.getLong("geodecoder.bench.points", 4_658_503L);

  @Test
  void partitionJobVersusParseS2Sort() throws Exception {
    Path root = LocalSparkCluster.projectRoot();
    Path dir = root.resolve("work/bench-partition");
    Path csv = dir.resolve("mp16-like-" + POINTS + ".csv");
    if (!Files.exists(csv)) {
      writePoints(csv, POINTS);
    }
    double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    long t0 = System.nanoTime();
    launcher(root, "partition", "--input", csv.toString(), "--output", dir.resolve("out").toString(), "--overwrite", "true");
    double jobSeconds = (System.nanoTime() - t0) / 1e9;

    // The floor: one thread, the same file, no Spark.
    long p0 = System.nanoTime();
    double[][] p = parse(csv);
    long p1 = System.nanoTime();
    long[] leaves = new long[p[0].length];
    for (int i = 0; i < leaves.length; i++) {
      leaves[i] = CellIds.leafOf(p[0][i], p[1][i]);
    }
    long p2 = System.nanoTime();
    SortedLeafCounter.sortUnsigned(leaves);
    long p3 = System.nanoTime();
    double parse = (p1 - p0) / 1e9;
    double s2 = (p2 - p1) / 1e9;
    double sort = (p3 - p2) / 1e9;
    double floor = parse + s2 + sort;

    CellVocabulary expected = Partitioners.inMemory(p[0], p[1], PartitionParams.paperDefaults());
    for (int h = 1; h <= 7; h++) {
      assertEquals(expected.toGeoEstimationCsv(h - 1), Files.readString(dir.resolve("out/cells_h" + h + ".csv")),
          "cells_h" + h + ".csv of the job vs the in-memory partitioner");
    }
    JsonNode summary = new ObjectMapper().readTree(dir.resolve("out/summary.json").toFile());
    assertEquals(POINTS, summary.get("rows_valid").asLong());

    System.out.printf("%nPARTITION BENCHMARK (%d points, %.0f MB CSV, 7 hierarchies, %d cores, load average %.1f at start)%n",
        p[0].length, Files.size(csv) / 1e6, Runtime.getRuntime().availableProcessors(), load);
    System.out.printf("  partition job (launcher, Spark local[*], JVM and Spark start-up included): %.1f s (target <= 15 s)%n", jobSeconds);
    System.out.printf("    job's own wall (summary.json): %.1f s; phases (s): %s%n",
        summary.get("wall_seconds").asDouble(), summary.get("phase_seconds"));
    System.out.printf("  one thread, no Spark: parse %.2f s + S2 leaf ids %.2f s + sort %.2f s = %.2f s%n", parse, s2, sort, floor);
    System.out.printf("  ratio job / (parse + S2 + sort): %.1fx (job's own wall: %.1fx)%n",
        jobSeconds / floor, summary.get("wall_seconds").asDouble() / floor);
    System.out.printf("  classes per hierarchy: %s%n", summary.get("hierarchies").findValuesAsText("classes"));
  }

  private static void writePoints(Path csv, long n) throws Exception {
    Files.createDirectories(csv.getParent());
    Path tmp = csv.resolveSibling(csv.getFileName() + ".tmp");
    PhotoLocationSampler sampler = PhotoLocationSampler.worldCities(1);
    try (BufferedWriter w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      w.write("IMG_ID,LAT,LON\n");
      for (long i = 0; i < n; i++) {
        double[] ll = sampler.sample(i);
        w.write(String.format("%02x/%02x/%d.jpg", (i * 131) & 0xff, (i * 31 + 7) & 0xff, 1_000_000_000L + i));
        w.write(',');
        w.write(Double.toString(ll[0]));
        w.write(',');
        w.write(Double.toString(ll[1]));
        w.write('\n');
      }
    }
    Files.move(tmp, csv);
  }

  /** Latitudes and longitudes of an IMG_ID,LAT,LON file, parsed by hand in one thread. */
  private static double[][] parse(Path csv) throws Exception {
    byte[] bytes = Files.readAllBytes(csv);
    double[] lat = new double[1 << 20];
    double[] lon = new double[1 << 20];
    int n = 0;
    int i = 0;
    while (bytes[i] != '\n') {
      i++; // header
    }
    i++;
    while (i < bytes.length) {
      int c1 = i;
      while (bytes[c1] != ',') {
        c1++;
      }
      int c2 = c1 + 1;
      while (bytes[c2] != ',') {
        c2++;
      }
      int end = c2 + 1;
      while (end < bytes.length && bytes[end] != '\n') {
        end++;
      }
      if (n == lat.length) {
        lat = java.util.Arrays.copyOf(lat, n * 2);
        lon = java.util.Arrays.copyOf(lon, n * 2);
      }
      lat[n] = Double.parseDouble(new String(bytes, c1 + 1, c2 - c1 - 1, StandardCharsets.ISO_8859_1));
      lon[n] = Double.parseDouble(new String(bytes, c2 + 1, end - c2 - 1, StandardCharsets.ISO_8859_1));
      n++;
      i = end + 1;
    }
    return new double[][] {java.util.Arrays.copyOf(lat, n), java.util.Arrays.copyOf(lon, n)};
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
}
