package org.geodecoder.jobs.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.geodecoder.jobs.testing.TestData;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.Partitioners;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition job on a real standalone master + 2 workers on 127.0.0.1: driven from this
 * JVM, and through Spark's own SparkSubmit with the assembly jar, as a user would submit it.
 * Both must produce exactly what the in-memory partitioner (and so local mode) produces.
 */
class PartitionOnClusterIT {
  private static final int N = 30_000;
  private static final long[] TMAX = {3000, 1000, 300};
  private static final long TMIN = 20;

  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();

  @TempDir static Path tmp;
  private static double[][] points;
  private static Path input;
  private static CellVocabulary expected;

  @BeforeAll
  static void data() throws Exception {
    points = TestData.points(N, 21);
    input = TestData.writeCsv(tmp.resolve("in/points.csv"), points, TestData.identity(N), List.of());
    expected = Partitioners.inMemory(points[0], points[1], PartitionParams.of(TMIN, TMAX));
  }

  @Test
  void jobOnTwoWorkersMatchesLocalResult() throws Exception {
    SparkSession spark = SparkSession.builder().master(CLUSTER.masterUrl()).appName("PartitionOnClusterIT")
        .config("spark.jars", LocalSparkCluster.assemblyJar().toString())
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.executor.memory", "1g")
        .config("spark.ui.enabled", "false")
        .getOrCreate();
    try {
      PartitionJob.Result r = PartitionJob.run(spark, PartitionOptions.parse(Map.of(
          "input", input.toString(), "output", tmp.resolve("out-driver").toString(),
          "tmin", String.valueOf(TMIN), "tmax", "3000,1000,300")));
      assertEquals(N, r.rowsValid());
      assertCsvsMatch(tmp.resolve("out-driver"));
    } finally {
      spark.stop();
    }
  }

  @Test
  void sparkSubmitWithAssemblyJarMatchesLocalResult() throws Exception {
    Path out = tmp.resolve("out-submit");
    List<String> cmd = new ArrayList<>(List.of(
        System.getProperty("java.home") + "/bin/java",
        "@" + LocalSparkCluster.projectRoot().resolve("conf/java-opens.args"),
        "-cp", LocalSparkCluster.sparkOnlyClasspath(),
        "org.apache.spark.deploy.SparkSubmit",
        "--master", CLUSTER.masterUrl(),
        "--deploy-mode", "client",
        "--class", "org.geodecoder.jobs.GeoDecoderCli",
        "--conf", "spark.driver.host=127.0.0.1",
        "--conf", "spark.executor.memory=1g",
        "--conf", "spark.geodecoder.partition.tmin=" + TMIN,
        LocalSparkCluster.assemblyJar().toString(),
        "partition", "--input", input.toString(), "--output", out.toString(), "--tmax", "3000,1000,300"));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    File log = tmp.resolve("spark-submit.log").toFile();
    pb.redirectOutput(log);
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("spark-submit did not finish in 300 s: " + Files.readString(log.toPath()));
    }
    assertEquals(0, p.exitValue(), () -> "spark-submit failed: " + readQuietly(log.toPath()));
    assertCsvsMatch(out);
  }

  private static void assertCsvsMatch(Path out) throws Exception {
    for (int h = 0; h < TMAX.length; h++) {
      assertEquals(expected.toGeoEstimationCsv(h), Files.readString(out.resolve("cells_h" + (h + 1) + ".csv")),
          "hierarchy " + (h + 1) + " in " + out);
    }
  }

  private static String readQuietly(Path p) {
    try {
      return Files.readString(p);
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
