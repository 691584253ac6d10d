package org.geodecoder.jobs.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.geodecoder.jobs.testing.LocalSparkCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pipeline} submitted to a real standalone master + 2 one-core workers on 127.0.0.1
 * through {@code submit-scripts/submit-standalone.sh}, the script a user runs, with the default
 * Spark settings it picks for training (conf/spark-train.properties) sized down to the workers.
 * There is no Spark distribution here, so SPARK_HOME is a directory whose bin/spark-submit runs
 * Spark's own SparkSubmit from Spark's jars (what a distribution's spark-submit does).
 */
class PipelineOnClusterIT {
  private static final long TIMEOUT_S = 1200;
  private static final ObjectMapper JSON = new ObjectMapper();

  @RegisterExtension static final LocalSparkCluster CLUSTER = new LocalSparkCluster();
  @TempDir static Path tmp;

  private static Path sparkHome() throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("spark-home/bin"));
    Path submit = bin.resolve("spark-submit");
    Files.writeString(submit, "#!/usr/bin/env bash\n"
        + "export SPARK_SCALA_VERSION=2.13\n"
        + "exec '" + System.getProperty("java.home") + "/bin/java' @'" + LocalSparkCluster.projectRoot().resolve("conf/java-opens.args")
        + "' -Xmx2g -cp '" + LocalSparkCluster.sparkOnlyClasspath() + "' org.apache.spark.deploy.SparkSubmit \"$@\"\n");
    Files.setPosixFilePermissions(submit, PosixFilePermissions.fromString("rwxr-xr-x"));
    return tmp.resolve("spark-home");
  }

  @Test
  void pipelineThroughTheStandaloneSubmitScriptTrainsWithTwoReplicas() throws Exception {
    LocalSparkCluster.assemblyJar(); // fails clearly when run outside 'mvn verify'
    Path sparkHome = sparkHome();
    Path out = tmp.resolve("pipeline");
    List<String> cmd = List.of("bash", LocalSparkCluster.projectRoot().resolve("submit-scripts/submit-standalone.sh").toString(),
        "--master", CLUSTER.masterUrl(), "--gpus-per-executor", "0", "--executor-cores", "1", "--executor-memory", "1g",
        "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.executor.memoryOverhead=512m",
        "pipeline", "--output", out.toString(), "--count", "1200", "--uniform-count", "150", "--epochs", "2", "--batch-size", "16");
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Path stdout = tmp.resolve("stdout.log");
    Path stderr = tmp.resolve("stderr.log");
    Process p = pb.redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
    if (!p.waitFor(TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("the pipeline did not finish in " + TIMEOUT_S + " s; stderr tail: " + tail(stderr));
    }
    String printed = Files.readString(stdout, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), () -> "submit-standalone.sh pipeline failed: " + tail(stderr) + "\nstdout: " + printed);

    // The script printed the spark-submit line it ran: standalone master, training's settings.
    String commandLine = Files.readAllLines(stderr).stream().filter(l -> l.startsWith(sparkHome + "/bin/spark-submit ")).findFirst()
        .orElseThrow(() -> new AssertionError("no spark-submit line in " + tail(stderr)));
    assertTrue(commandLine.startsWith(sparkHome + "/bin/spark-submit --master " + CLUSTER.masterUrl() + " --deploy-mode client "), commandLine);
    assertTrue(commandLine.contains("--properties-file " + LocalSparkCluster.projectRoot().resolve("conf/spark-train.properties")), commandLine);
    assertTrue(commandLine.endsWith(" pipeline --output " + out + " --count 1200 --uniform-count 150 --epochs 2 --batch-size 16"), commandLine);

    // The table on standard output and in the summary.
    assertTrue(printed.contains("pipeline: finished in "), printed);
    assertTrue(printed.contains("Report: file:" + out.resolve("evaluate/report.md")), printed);
    JsonNode summary = JSON.readTree(out.resolve("pipeline-summary.json").toFile());
    assertEquals(6, summary.get("table").size());
    long heldout = summary.get("table").get(0).get("images").asLong();
    assertEquals(150, summary.get("table").get(3).get("images").asLong());

    // Training ran as a barrier stage of 2 replicas, one per worker, and its validation is the
    // held-out split that score + evaluate measured.
    JsonNode train = JSON.readTree(out.resolve("train/summary.json").toFile());
    assertEquals(2, train.get("replicas").asInt(), train.toString());
    assertEquals(heldout, train.get("validation_samples").asLong());
    JsonNode metrics = JSON.readTree(out.resolve("evaluate/metrics.json").toFile());
    JsonNode evaluated = null;
    for (JsonNode d : metrics.get("datasets")) {
      if (d.get("name").asText().equals("heldout")) {
        evaluated = d;
      }
    }
    JsonNode validation = train.get("validation");
    for (String km : List.of("1", "25", "200", "750", "2500")) {
      assertEquals(validation.get("acc_" + km + "km").asDouble(), evaluated.get("accuracy").get(km).asDouble(), 1e-6, km + " km");
    }
  }

  private static String tail(Path f) {
    try {
      List<String> lines = Files.readAllLines(f);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (Exception e) {
      return "(no log: " + e + ")";
    }
  }
}
