package org.geodecoder.jobs.testing;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension: a real Spark standalone master and two 1-core workers on 127.0.0.1,
 * started through {@code submit-scripts/local-cluster.sh} (the script users run) with Spark's
 * jars only, like a cluster that knows nothing of this project: applications ship their code
 * (the assembly jar) as they would in production. Always stopped after the test class, and
 * by a shutdown hook if the JVM dies first.
 */
public final class LocalSparkCluster implements BeforeAllCallback, AfterAllCallback {
  private static final long SCRIPT_TIMEOUT_S = 180;

  private final int coresPerWorker;
  private final String daemonJavaOptions;
  private Path workDir;
  private String masterUrl;
  private Thread shutdownHook;

  public LocalSparkCluster() {
    this(1);
  }

  /** Workers with this many task slots each (an executor then runs that many replicas). */
  public LocalSparkCluster(int coresPerWorker) {
    this(coresPerWorker, "");
  }

  /**
   * @param daemonJavaOptions extra JVM flags for master and workers, e.g. {@code
   *     -Dspark.authenticate=true -Dspark.authenticate.secret=S} for a cluster that admits only
   *     applications with that secret (the workers hand it to their executors)
   */
  public LocalSparkCluster(int coresPerWorker, String daemonJavaOptions) {
    this.coresPerWorker = coresPerWorker;
    this.daemonJavaOptions = daemonJavaOptions;
  }

  public static Path projectRoot() {
    String root = System.getProperty("geodecoder.root");
    return Path.of(root != null ? root : "..").toAbsolutePath().normalize();
  }

  public static Path assemblyJar() {
    Path jar = projectRoot().resolve("spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT-assembly.jar");
    if (!Files.exists(jar)) {
      throw new IllegalStateException("Missing " + jar + ": run the integration tests with 'mvn verify'");
    }
    return jar;
  }

  /** The test classes packed as a jar, for executors that run code written in tests. */
  public static Path testClassesJar() throws IOException {
    Path dir = projectRoot().resolve("spark-jobs/target/test-classes");
    Path jar = Files.createTempFile("geodecoder-test-classes-", ".jar");
    try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(jar));
        var files = Files.walk(dir)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        out.putNextEntry(new java.util.jar.JarEntry(dir.relativize(f).toString().replace('\\', '/')));
        out.write(Files.readAllBytes(f));
        out.closeEntry();
      }
    }
    jar.toFile().deleteOnExit();
    return jar;
  }

  /**
   * What a Spark distribution holds: Spark and its dependencies, without our modules and the
   * libraries only we use (those come in the assembly jar). Built from the classpath files the
   * build writes; some of Spark's own dependencies (slf4j, commons-*) sit in our runtime list
   * because Maven's nearest-wins put them there.
   */
  public static String sparkOnlyClasspath() throws IOException {
    List<String> entries = new java.util.ArrayList<>();
    for (String f : List.of("classpath-provided.txt", "classpath-runtime.txt")) {
      for (String e : Files.readString(projectRoot().resolve("spark-jobs/target/" + f)).trim().split(":")) {
        boolean ours = e.contains("/org/geodecoder/") || e.contains("/ai/djl/") || e.contains("/com/google/geometry/")
            || e.contains("/com/google/guava/") || e.startsWith(projectRoot().toString());
        if (!e.isEmpty() && !ours) {
          entries.add(e);
        }
      }
    }
    return String.join(":", entries);
  }

  public String masterUrl() {
    return masterUrl;
  }

  public Path workDir() {
    return workDir;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    workDir = Files.createTempDirectory("geodecoder-cluster-");
    shutdownHook = new Thread(this::stopQuietly);
    Runtime.getRuntime().addShutdownHook(shutdownHook);
    String out = script("start", "2");
    masterUrl = Files.readString(workDir.resolve("master-url")).trim();
    if (!masterUrl.startsWith("spark://127.0.0.1:")) {
      throw new IllegalStateException("Unexpected master URL '" + masterUrl + "' from: " + out);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException ignored) {
      // JVM already shutting down
    }
  }

  private void stopQuietly() {
    if (workDir == null) {
      return;
    }
    try {
      script("stop");
    } catch (Exception e) {
      System.err.println("Could not stop the local cluster: " + e);
    }
  }

  private String script(String... args) throws IOException, InterruptedException {
    Path script = projectRoot().resolve("submit-scripts/local-cluster.sh");
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", script.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("GEODECODER_CLUSTER_DIR", workDir.toString());
    pb.environment().put("GEODECODER_CLUSTER_CLASSPATH", sparkOnlyClasspath());
    // Benchmarks move 400 MB vectors between executors; tests stay small.
    pb.environment().put("GEODECODER_WORKER_CORES", Integer.toString(coresPerWorker));
    pb.environment().put("GEODECODER_DAEMON_JAVA_OPTS", daemonJavaOptions);
    pb.environment().put("GEODECODER_WORKER_MEMORY", Boolean.getBoolean("geodecoder.bench") ? "4g" : "1500m");
    File log = workDir.resolve("script-" + args[0] + ".log").toFile();
    pb.redirectOutput(log);
    Process p = pb.start();
    if (!p.waitFor(SCRIPT_TIMEOUT_S, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("local-cluster.sh " + args[0] + " did not finish in " + SCRIPT_TIMEOUT_S + " s");
    }
    String output = Files.readString(log.toPath(), StandardCharsets.UTF_8);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("local-cluster.sh " + String.join(" ", args) + " failed: " + output);
    }
    return output;
  }
}
