package org.geodecoder.jobs.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit scripts, run with --dry-run: the command they print is the one they run. */
class SubmitScriptsTest {
  private static final Path ROOT = ScriptRunner.root();
  private static final String JAR = ROOT + "/spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT-assembly.jar";
  private static final String TRAIN_PROPS = ROOT + "/conf/spark-train.properties";
  private static final String MAIN = "--class org.geodecoder.jobs.GeoDecoderCli";
  @TempDir Path tmp;

  /** No spark-submit anywhere: PATH holds the basic tools only, SPARK_HOME is unset. */
  private static Map<String, String> env() {
    return Map.of("PATH", "/usr/bin:/bin", "HOME", System.getProperty("java.io.tmpdir"));
  }

  private static String dryRun(String script, String... args) throws Exception {
    List<String> a = new ArrayList<>(List.of("--dry-run"));
    a.addAll(List.of(args));
    ScriptRunner.Result r = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/" + script, a.toArray(String[]::new)));
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("", r.stderr());
    assertEquals(1, r.stdout().lines().count(), r.stdout());
    return r.stdout().strip();
  }

  @Test
  void localRunsTheJobInLocalModeWithoutGpuScheduling() throws Exception {
    String cmd = dryRun("submit-local.sh", "--config", "conf/demo.properties", "train", "--shards", "s", "--epochs", "2");
    assertTrue(cmd.startsWith("spark-submit --master 'local[*]' --deploy-mode client "), cmd);
    assertTrue(cmd.contains(" --name geodecoder-train " + MAIN + " --properties-file " + TRAIN_PROPS + " "), cmd);
    assertTrue(cmd.contains(" --conf spark.geodecoder.train.preset=micro "), cmd);
    assertTrue(cmd.contains(" --conf spark.geodecoder.partition.tmax=1000,500,250,120,60,40,25 "), cmd);
    // Local mode never schedules GPUs: the properties file's amounts are switched off.
    assertTrue(cmd.contains(" --conf spark.executor.resource.gpu.amount=0 --conf spark.task.resource.gpu.amount=0"
        + " --conf spark.task.cpus=1 "), cmd);
    assertTrue(cmd.endsWith(" " + JAR + " train --shards s --epochs 2"), cmd);
    assertFalse(cmd.contains("--files"), cmd);

    String ingest = dryRun("submit-local.sh", "--master", "local[2]", "ingest", "--manifest", "m.csv");
    assertEquals("spark-submit --master 'local[2]' --deploy-mode client --conf "
        + "spark.driver.defaultJavaOptions=-Dlog4j2.configurationFile=file:" + ROOT + "/conf/log4j2.properties"
        + " --name geodecoder-ingest " + MAIN + " " + JAR + " ingest --manifest m.csv", ingest, "no training settings for ingest");
  }

  @Test
  void standaloneAllocatesCoresAndGpusPerReplica() throws Exception {
    String cmd = dryRun("submit-standalone.sh", "--master", "spark://head:7077", "--gpus-per-executor", "2",
        "--num-executors", "3", "--executor-cores", "8", "--executor-memory", "24g", "--config", "conf/paper.properties",
        "--conf", "spark.executor.memoryOverhead=16g", "nightly", "--registry", "hdfs:///geo/registry");
    assertTrue(cmd.startsWith("spark-submit --master spark://head:7077 --deploy-mode client "), cmd);
    assertTrue(cmd.contains(" --properties-file " + TRAIN_PROPS + " "), cmd);
    assertTrue(cmd.contains(" --conf spark.geodecoder.train.preset=paper "), cmd);
    assertTrue(cmd.contains(" --conf spark.geodecoder.train.milestones=4,8,12,13,14,15 "), cmd);
    assertTrue(cmd.contains(" --files " + ROOT + "/conf/gpu-discovery.sh "), cmd);
    assertTrue(cmd.contains(" --conf spark.executor.resource.gpu.amount=2 --conf spark.task.resource.gpu.amount=1 "
        + "--conf spark.executor.resource.gpu.discoveryScript=./gpu-discovery.sh "), cmd);
    // 3 executors x 8 cores; 2 replicas per executor, 4 cores each.
    assertTrue(cmd.contains(" --total-executor-cores 24 --executor-cores 8 --conf spark.task.cpus=4 --executor-memory 24g "), cmd);
    assertTrue(cmd.endsWith(" --conf spark.executor.memoryOverhead=16g " + JAR + " nightly --registry hdfs:///geo/registry"), cmd);
  }

  @Test
  void yarnRunsInClusterMode() throws Exception {
    String cmd = dryRun("submit-yarn.sh", "--queue", "gpu", "--gpus-per-executor", "1", "--num-executors", "8",
        "train", "--shards", "hdfs:///geo/shards", "--labels", "hdfs:///geo/p/labels.parquet");
    assertTrue(cmd.startsWith("spark-submit --master yarn --deploy-mode cluster --queue gpu --name geodecoder-train "
        + MAIN + " --properties-file " + TRAIN_PROPS + " --files " + ROOT + "/conf/gpu-discovery.sh "), cmd);
    assertTrue(cmd.contains(" --conf spark.executor.resource.gpu.amount=1 --conf spark.task.resource.gpu.amount=1 "), cmd);
    // Cores per executor from the properties file (8), one GPU: one replica with all 8 cores.
    assertTrue(cmd.contains(" --num-executors 8 --conf spark.task.cpus=8 "), cmd);
    assertTrue(cmd.endsWith(" " + JAR + " train --shards hdfs:///geo/shards --labels hdfs:///geo/p/labels.parquet"), cmd);

    String cpu = dryRun("submit-yarn.sh", "--gpus-per-executor", "0", "train");
    assertTrue(cpu.contains(" --conf spark.executor.resource.gpu.amount=0 --conf spark.task.resource.gpu.amount=0 "), cpu);
    // Jobs that do not train get no training settings, GPUs or discovery script.
    assertEquals("spark-submit --master yarn --deploy-mode cluster --name geodecoder-ingest " + MAIN + " " + JAR
        + " ingest --manifest hdfs:///m.csv", dryRun("submit-yarn.sh", "ingest", "--manifest", "hdfs:///m.csv"));
  }

  @Test
  void kubernetesUsesTheImageAndThePodTemplate() throws Exception {
    String cmd = dryRun("submit-k8s.sh", "--master", "k8s://https://api.example:6443", "--image", "reg.example/geodecoder:1.0",
        "--namespace", "ml", "--service-account", "spark", "--gpus-per-executor", "1", "--num-executors", "4",
        "train", "--shards", "s3a://b/shards", "--output", "s3a://b/runs/r1");
    assertTrue(cmd.startsWith("spark-submit --master k8s://https://api.example:6443 --deploy-mode cluster "
        + "--conf spark.kubernetes.container.image=reg.example/geodecoder:1.0 "
        + "--conf spark.kubernetes.executor.podTemplateFile=" + ROOT + "/conf/k8s/pod-template.yaml "
        + "--conf spark.kubernetes.namespace=ml --conf spark.kubernetes.authenticate.driver.serviceAccountName=spark "
        + "--conf spark.executor.resource.gpu.vendor=nvidia.com "), cmd);
    // The discovery script must already be in the image: executors discover GPUs before any file arrives.
    assertFalse(cmd.contains("--files"), cmd);
    assertTrue(cmd.contains(" --conf spark.executor.resource.gpu.discoveryScript=/opt/geodecoder/conf/gpu-discovery.sh "), cmd);
    assertTrue(cmd.contains(" --num-executors 4 --conf spark.task.cpus=8 "), cmd);
    assertTrue(cmd.endsWith(" local:///opt/geodecoder/jars/geodecoder-spark-jobs.jar train --shards s3a://b/shards --output s3a://b/runs/r1"),
        cmd);
    Path template = tmp.resolve("my-template.yaml");
    Files.writeString(template, "apiVersion: v1\nkind: Pod\n");
    String custom = dryRun("submit-k8s.sh", "--master", "k8s://https://api:6443", "--image", "i", "--pod-template",
        template.toString(), "--jar", "local:///jobs.jar", "score", "--model", "m");
    assertTrue(custom.contains(" --conf spark.kubernetes.executor.podTemplateFile=" + template + " "), custom);
    assertTrue(custom.endsWith(" local:///jobs.jar score --model m"), custom);
  }

  /** What --cuda adds: the archive (unpacked as ./cuda by every executor) and every DJL setting. */
  private static final String CUDA_CONFS = " --conf spark.executorEnv.PYTORCH_LIBRARY_PATH=./cuda/lib"
      + " --conf spark.executorEnv.PYTORCH_VERSION=2.7.1 --conf spark.executorEnv.PYTORCH_FLAVOR=cu128"
      + " --conf spark.executorEnv.PYTORCH_LIBRARY_EXCLUSION=libopenblas.so.0,libgfortran.so.5"
      + " --conf spark.executor.defaultJavaOptions=-Djna.library.path=./cuda/lib"
      + " --conf spark.yarn.appMasterEnv.PYTORCH_LIBRARY_PATH=./cuda/lib --conf spark.yarn.appMasterEnv.PYTORCH_VERSION=2.7.1"
      + " --conf spark.yarn.appMasterEnv.PYTORCH_FLAVOR=cu128"
      + " --conf spark.yarn.appMasterEnv.PYTORCH_LIBRARY_EXCLUSION=libopenblas.so.0,libgfortran.so.5 ";

  @Test
  void cudaShipsTheArchiveAndPointsDjlAtIt() throws Exception {
    String yarn = dryRun("submit-yarn.sh", "--cuda", "hdfs:///geo/geodecoder-cuda.tar.gz", "--gpus-per-executor", "1",
        "train", "--shards", "hdfs:///geo/shards");
    assertTrue(yarn.contains(" --properties-file " + TRAIN_PROPS + " --archives 'hdfs:///geo/geodecoder-cuda.tar.gz#cuda'"
        + CUDA_CONFS + "--files " + ROOT + "/conf/gpu-discovery.sh "), yarn);
    assertTrue(yarn.endsWith(" " + JAR + " train --shards hdfs:///geo/shards"), yarn);
    assertFalse(dryRun("submit-yarn.sh", "train").contains("PYTORCH"), "no CUDA settings without --cuda");

    // A local archive is shipped from its absolute path.
    Path archive = Files.createFile(tmp.resolve("geodecoder-cuda.tar.gz"));
    String standalone = dryRun("submit-standalone.sh", "--master", "spark://head:7077", "--cuda", archive.toString(),
        "score", "--model", "m");
    assertTrue(standalone.contains(" --name geodecoder-score " + MAIN + " --archives '" + archive + "#cuda'" + CUDA_CONFS
        + JAR + " score --model m"), standalone);

    // Local mode: the tasks run in the driver JVM started here, so it gets the variables itself.
    Path dir = Files.createDirectories(tmp.resolve("geodecoder-cuda/lib")).getParent();
    Files.createFile(dir.resolve("lib/libtorch.so"));
    String local = dryRun("submit-local.sh", "--cuda", dir.toString(), "score", "--device", "gpu");
    assertEquals("env PYTORCH_LIBRARY_PATH=" + dir + "/lib PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128"
        + " PYTORCH_LIBRARY_EXCLUSION=libopenblas.so.0,libgfortran.so.5 spark-submit --master 'local[*]' --deploy-mode client"
        + " --conf 'spark.driver.defaultJavaOptions=-Dlog4j2.configurationFile=file:" + ROOT + "/conf/log4j2.properties"
        + " -Djna.library.path=" + dir + "/lib' --name geodecoder-score " + MAIN + " " + JAR + " score --device gpu", local);

    ScriptRunner.Result localArchive = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-local.sh", "--dry-run",
        "--cuda", archive.toString(), "score"));
    assertEquals(2, localArchive.exitCode());
    assertTrue(localArchive.stderr().startsWith("submit-local.sh: error: --cuda " + archive + ": local mode needs the unpacked"
        + " CUDA build, a directory with lib/libtorch.so"), localArchive.stderr());
    ScriptRunner.Result missing = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-yarn.sh", "--dry-run",
        "--cuda", tmp.resolve("missing.tar.gz").toString(), "train"));
    assertEquals(2, missing.exitCode());
    assertTrue(missing.stderr().startsWith("submit-yarn.sh: error: --cuda " + tmp.resolve("missing.tar.gz")
        + " does not exist (build it with: mvn -Pcuda package)"), missing.stderr());
  }

  @Test
  void jobArgumentsWithSpacesArePrintedQuoted() throws Exception {
    String cmd = dryRun("submit-yarn.sh", "nightly", "--manifests", "hdfs:///drops/*/manifest.csv", "--note", "it's new");
    assertTrue(cmd.endsWith(" nightly --manifests 'hdfs:///drops/*/manifest.csv' --note 'it'\\''s new'"), cmd);
  }

  @Test
  void withoutSparkSubmitTheScriptsSaySoAndExit2() throws Exception {
    Map<String, List<String>> minimal = Map.of(
        "submit-local.sh", List.of("ingest"),
        "submit-standalone.sh", List.of("--master", "spark://h:7077", "ingest"),
        "submit-yarn.sh", List.of("ingest"),
        "submit-k8s.sh", List.of("--master", "k8s://https://h:1", "--image", "x", "ingest"));
    for (Map.Entry<String, List<String>> e : minimal.entrySet()) {
      ScriptRunner.Result r = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/" + e.getKey(),
          e.getValue().toArray(String[]::new)));
      assertEquals(2, r.exitCode(), e.getKey() + ": " + r.stderr());
      assertTrue(r.stderr().contains("spark-submit is not installed here"), e.getKey() + ": " + r.stderr());
      assertEquals("", r.stdout());
    }
    ScriptRunner.Result yarn = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-yarn.sh", "ingest"));
    assertEquals(2, yarn.exitCode());
    assertTrue(yarn.stderr().startsWith("submit-yarn.sh: error: spark-submit is not installed here (SPARK_HOME is not set and"
        + " PATH has no spark-submit)."), yarn.stderr());
    Map<String, String> withHome = new java.util.HashMap<>(env());
    withHome.put("SPARK_HOME", tmp.toString());
    ScriptRunner.Result local = ScriptRunner.run(withHome, ScriptRunner.bash("submit-scripts/submit-local.sh", "ingest"));
    assertEquals(2, local.exitCode());
    assertTrue(local.stderr().contains("(no " + tmp + "/bin/spark-submit)"), local.stderr());
  }

  @Test
  void usageErrorsNameTheProblem() throws Exception {
    ScriptRunner.Result noMaster = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-standalone.sh", "--dry-run", "ingest"));
    assertEquals(2, noMaster.exitCode());
    assertTrue(noMaster.stderr().contains("--master spark://HOST:PORT is required"), noMaster.stderr());
    ScriptRunner.Result noImage = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-k8s.sh", "--dry-run", "--master",
        "k8s://https://h:1", "ingest"));
    assertEquals(2, noImage.exitCode());
    assertTrue(noImage.stderr().contains("--image IMAGE is required"), noImage.stderr());
    ScriptRunner.Result localGpu = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-local.sh", "--dry-run",
        "--gpus-per-executor", "1", "train"));
    assertEquals(2, localGpu.exitCode());
    assertTrue(localGpu.stderr().contains("Spark local mode does not schedule GPUs"), localGpu.stderr());
    ScriptRunner.Result noJob = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-yarn.sh", "--dry-run"));
    assertEquals(2, noJob.exitCode());
    assertTrue(noJob.stderr().contains("no job given"), noJob.stderr());
    ScriptRunner.Result badCores = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-yarn.sh", "--dry-run",
        "--gpus-per-executor", "3", "--executor-cores", "8", "train"));
    assertEquals(2, badCores.exitCode());
    assertTrue(badCores.stderr().contains("--executor-cores 8 is not a multiple of --gpus-per-executor 3"), badCores.stderr());
    ScriptRunner.Result help = ScriptRunner.run(env(), ScriptRunner.bash("submit-scripts/submit-yarn.sh", "--help"));
    assertEquals(0, help.exitCode());
    assertTrue(help.stdout().startsWith("Submits a geodecoder job to YARN in cluster mode"), help.stdout());
    assertTrue(help.stdout().contains("--gpus-per-executor N"), help.stdout());
  }

  @Test
  void nightlyWrapperSubmitsTheNightlyJob() throws Exception {
    Map<String, String> e = new java.util.HashMap<>(env());
    e.put("GEODECODER_SUBMIT", "yarn");
    e.put("GEODECODER_SUBMIT_OPTS", "--queue nightly --gpus-per-executor 1 --num-executors 2");
    ScriptRunner.Result r = ScriptRunner.run(e, ScriptRunner.bash("submit-scripts/nightly-retrain.sh", "--dry-run",
        "--registry", "hdfs:///geo/registry", "--manifests", "hdfs:///geo/drops/*/manifest.csv", "--eval-input", "hdfs:///geo/heldout"));
    assertEquals(0, r.exitCode(), r.stderr());
    String cmd = r.stdout().strip();
    assertTrue(cmd.startsWith("spark-submit --master yarn --deploy-mode cluster --queue nightly --name geodecoder-nightly " + MAIN
        + " --properties-file " + TRAIN_PROPS + " --conf spark.geodecoder.partition.tmin=50 "), cmd);
    assertTrue(cmd.endsWith(" " + JAR + " nightly --registry hdfs:///geo/registry --manifests 'hdfs:///geo/drops/*/manifest.csv'"
        + " --eval-input hdfs:///geo/heldout"), cmd);

    Map<String, String> launcher = new java.util.HashMap<>(env());
    launcher.put("GEODECODER_CONFIG", "conf/demo.properties");
    ScriptRunner.Result l = ScriptRunner.run(launcher, ScriptRunner.bash("submit-scripts/nightly-retrain.sh", "--dry-run",
        "--registry", "/srv/registry", "--manifests", "/srv/drops/*/manifest.csv"));
    assertEquals(0, l.exitCode(), l.stderr());
    assertEquals(ROOT + "/submit-scripts/geodecoder nightly --properties-file " + ROOT + "/conf/demo.properties"
        + " --registry /srv/registry --manifests '/srv/drops/*/manifest.csv'", l.stdout().strip());
  }
}
