package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobCatalog;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.evaluate.EvaluateJob;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.testing.TestData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly orchestrator with the real ingest, partition and evaluate jobs on Spark local
 * mode. Train and score are not in this tree yet: small stand-ins take their place (same names
 * and options), writing a model directory and held-out predictions whose accuracy the test
 * chooses, so that promotion, rejection, fine-tuning and resuming are exercised for real.
 */
class NightlyRetrainJobTest {
  private static final int PER_BATCH = 30;
  private static final int HELDOUT = 200;
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path drops;
  private static Path heldout;

  @BeforeAll
  static void setUp() throws Exception {
    SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("NightlyRetrainJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        // One hierarchy of the non-empty level-2 cells: adding images at known places keeps the
        // cell set; images somewhere new change it.
        .config("spark.geodecoder.partition.tmin", "0")
        .config("spark.geodecoder.partition.tmax", "1000000");
    // The runtime settings of conf/spark-train.properties (Kryo, network), minus the cluster
    // sizing that local mode cannot have: the jobs must work with them.
    Properties train = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(System.getProperty("geodecoder.root", "..")).resolve("conf/spark-train.properties"))) {
      train.load(r);
    }
    for (String k : train.stringPropertyNames()) {
      if (!k.contains(".resource.") && !k.contains("memory") && !k.contains("cores") && !k.contains("cpus")
          && !k.contains("extraJavaOptions")) {
        b.config(k, train.getProperty(k));
      }
    }
    spark = b.getOrCreate();
    assertEquals("org.apache.spark.serializer.KryoSerializer", spark.conf().get("spark.serializer"));
    drops = tmp.resolve("drops");
    SynthGenerator gen = new SynthGenerator(11, "photo", 32, 0.8f);
    writeDrop(gen, drops.resolve("day1"), 0);
    writeDrop(gen, drops.resolve("day2"), PER_BATCH);
    double[][] p = TestData.points(HELDOUT, 99);
    List<String> lines = new ArrayList<>(List.of("id,lat,lon"));
    for (int i = 0; i < HELDOUT; i++) {
      lines.add("h" + i + "," + p[0][i] + "," + p[1][i]);
    }
    heldout = Files.write(tmp.resolve("heldout.csv"), lines);
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static NightlyOptions options(String name, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("registry", tmp.resolve(name + "/registry").toString());
    m.put("manifests", drops + "/*/manifest.csv");
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return NightlyOptions.parse(m);
  }

  private static JobCatalog realJobs() {
    return JobCatalog.of(List.of(new IngestJob(), new PartitionJob(), new EvaluateJob()));
  }

  private static NightlyRetrainJob.Result run(NightlyOptions o, JobCatalog jobs) {
    return NightlyRetrainJob.run(spark, o, jobs, Clock.systemUTC());
  }

  private static List<Row> sorted(Path dir, String... cols) {
    Dataset<Row> d = spark.read().parquet(dir.toString());
    return d.select(cols[0], Stream.of(cols).skip(1).toArray(String[]::new)).orderBy(cols[0]).collectAsList();
  }

  private static JsonNode json(Path f) throws Exception {
    return JSON.readTree(Files.readString(f));
  }

  private static Path activeRunDir(String name) throws Exception {
    Path runs = tmp.resolve(name + "/registry/work/runs");
    return runs.resolve(Files.readString(runs.resolve("ACTIVE")).trim());
  }

  private static List<String> batchNames(Path work) throws Exception {
    try (Stream<Path> files = Files.list(work.resolve("data/shards"))) {
      return files.map(f -> f.getFileName().toString()).filter(n -> n.endsWith(".parquet"))
          .map(n -> n.substring(0, n.indexOf("--"))).distinct().sorted().toList();
    }
  }

  /** Everything ingest and partition produced, as comparable values. */
  private static List<Object> ingestState(Path work) throws Exception {
    JsonNode wm = json(work.resolve("watermark.json"));
    List<Object> manifests = new ArrayList<>();
    for (JsonNode m : wm.get("manifests")) {
      manifests.add(List.of(m.get("path").asText(), m.get("size").asLong(), m.get("modification_time").asLong(), m.get("batch").asText()));
    }
    return List.of(sorted(work.resolve("data/shards"), "id", "author", "lat", "lon", "scene16", "image", "split"),
        sorted(work.resolve("data/locations"), "id", "lat", "lon"), batchNames(work), manifests,
        wm.get("max_modification_time").asLong());
  }

  private static List<Object> partitionState(Path runDir) throws Exception {
    return List.of(sorted(runDir.resolve("partition/cells.parquet"), "class_label", "hierarchy", "cell_id", "count", "lat", "lon"),
        sorted(runDir.resolve("partition/labels.parquet"), "id", "label_h1"),
        json(runDir.resolve("steps/partition.json")).get("cells_fingerprint").asText());
  }

  @Test
  void nightsPromoteFineTuneResumeRejectAndConvergeAfterKills() throws Exception {
    FakeTrainJob train = new FakeTrainJob();
    FakeScoreJob score = new FakeScoreJob();
    JobCatalog jobs = realJobs().with(train, score);
    Path reg = tmp.resolve("full/registry");
    Path work = reg.resolve("work");
    Map<String, String> base = Map.of("registry", reg.toString(), "manifests", drops + "/*/manifest.csv",
        "eval-input", heldout.toString(), "margin", "1.0");

    // Night 1, killed at several points and started again each time.
    // a) Stopped after ingest: both drops ingested, the lock released, the run left active.
    NightlyRetrainJob.Result first = run(options("full", "stop-after", "ingest"), realJobs());
    assertEquals("stopped", first.status());
    assertEquals(List.of("ingest"), first.stepsRun());
    Path runDir = activeRunDir("full");
    assertEquals(first.run(), runDir.getFileName().toString());
    assertFalse(Files.exists(reg.resolve("lock")), "the lock is released when a run stops");
    List<Object> ingested = ingestState(work);
    assertEquals(2 * PER_BATCH, ((List<?>) ingested.get(0)).size());
    JsonNode wm = json(work.resolve("watermark.json"));
    assertEquals(2, wm.get("manifests").size());
    String day2Batch = wm.get("manifests").get(1).get("batch").asText();
    assertTrue(day2Batch.startsWith("day2_manifest-"), day2Batch);

    // b) Killed while moving the second drop's files: some in data/, no marker, not in the
    // watermark. Started again: that drop alone is ingested again, and the state is the same.
    Files.delete(runDir.resolve("steps/ingest.json"));
    Files.delete(runDir.resolve("steps/ingest/" + day2Batch + ".json"));
    ((com.fasterxml.jackson.databind.node.ArrayNode) wm.get("manifests")).remove(1);
    Files.writeString(work.resolve("watermark.json"), JSON.writeValueAsString(wm));
    try (Stream<Path> files = Files.list(work.resolve("data/shards"))) {
      Files.delete(files.filter(f -> f.getFileName().toString().startsWith(day2Batch + "--")).findFirst().orElseThrow());
    }
    NightlyRetrainJob.Result again = run(options("full", "stop-after", "ingest"), realJobs());
    assertEquals(first.run(), again.run(), "the interrupted run is resumed, not a new one started");
    assertEquals(List.of("ingest"), again.stepsRun());
    assertEquals(ingested, ingestState(work));

    // c) Partition; then killed half-way through writing it again: recomputed, same result.
    NightlyRetrainJob.Result part = run(options("full", "stop-after", "partition"), realJobs());
    assertEquals(List.of("partition"), part.stepsRun());
    assertEquals(List.of("ingest"), part.stepsSkipped());
    List<Object> partitioned = partitionState(runDir);
    JsonNode partition = json(runDir.resolve("steps/partition.json"));
    assertEquals("scratch", partition.get("mode").asText());
    assertEquals(1, partition.get("generation").asInt());
    assertEquals("no current model", partition.get("why").asText());
    Files.delete(runDir.resolve("steps/partition.json"));
    try (Stream<Path> files = Files.walk(runDir.resolve("partition/labels.parquet"))) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
    assertEquals(List.of("partition"), run(options("full", "stop-after", "partition"), realJobs()).stepsRun());
    assertEquals(partitioned, partitionState(runDir));
    NightlyRetrainJob.Result noop = run(options("full", "stop-after", "partition"), realJobs());
    assertEquals(List.of(), noop.stepsRun(), "completed steps never run again");
    assertEquals(List.of("ingest", "partition"), noop.stepsSkipped());
    assertEquals(ingested, ingestState(work));

    // d) Going further needs the train job, which this catalog lacks: a clear error, no damage.
    JobFailedException missing = assertThrows(JobFailedException.class, () -> run(NightlyOptions.parse(base), realJobs()));
    assertEquals("The 'train' job is not available in this build (registered jobs: [ingest, partition, evaluate]), and the train"
        + " step needs it. Use a build that registers it in GeoDecoderCli.JOBS, or stop before that step with --stop-after.",
        missing.getMessage());
    assertFalse(Files.exists(reg.resolve("lock")));

    // e) With train and score: the rest of night 1; the first model is promoted.
    train.quality = 0.5;
    NightlyRetrainJob.Result r1 = NightlyRetrainJob.run(spark, NightlyOptions.parse(base), jobs, Clock.systemUTC());
    assertEquals(first.run(), r1.run());
    assertEquals("promoted", r1.status());
    assertEquals("v0001", r1.version());
    assertEquals(List.of("train", "evaluate", "promote"), r1.stepsRun());
    assertEquals("v0001\n", Files.readString(reg.resolve("current")));
    Map<String, String> call1 = train.calls.get(0);
    assertEquals("", call1.get("init"));
    assertEquals("false", call1.get("resume"));
    assertTrue(call1.get("shards").endsWith("/work/data/shards"), call1.toString());
    JsonNode metrics1 = json(reg.resolve("versions/v0001/metrics.json"));
    assertEquals(0.5, metrics1.get("datasets").get(0).get("accuracy").get("25").asDouble(), 1e-12);
    assertFalse(Files.exists(work.resolve("runs/ACTIVE")));
    assertEquals("promoted", json(runDir.resolve("finished.json")).get("status").asText());

    // Night 2: nothing new: no run at all.
    NightlyRetrainJob.Result r2 = NightlyRetrainJob.run(spark, NightlyOptions.parse(base), jobs, Clock.systemUTC());
    assertEquals("no-new-data", r2.status());
    assertNull(r2.run());
    assertEquals(1, Files.readAllLines(reg.resolve("history.jsonl")).size());

    // Night 3: more images at places already known (same cells): fine-tune the current model.
    // Training is killed after its first checkpoint; the next start resumes it.
    copyWithNewIds(drops.resolve("day1"), drops.resolve("day3"), "d3/");
    train.quality = 0.495; // 0.5 points worse: within the 1.0-point margin
    train.failOnce = true;
    assertThrows(JobFailedException.class, () -> NightlyRetrainJob.run(spark, NightlyOptions.parse(base), jobs, Clock.systemUTC()));
    assertFalse(Files.exists(reg.resolve("lock")), "released after a failure");
    NightlyRetrainJob.Result r3 = NightlyRetrainJob.run(spark, NightlyOptions.parse(base), jobs, Clock.systemUTC());
    assertEquals(List.of("ingest", "partition"), r3.stepsSkipped());
    assertEquals("promoted", r3.status());
    assertEquals("v0002", r3.version());
    Map<String, String> resumed = train.calls.get(train.calls.size() - 1);
    assertEquals("true", resumed.get("resume"));
    assertTrue(resumed.get("init").endsWith(reg.resolve("versions/v0001/model").toString()), resumed.get("init"));
    JsonNode version2 = json(reg.resolve("versions/v0002/version.json"));
    assertEquals("fine-tune", version2.get("mode").asText());
    assertEquals(1, version2.get("generation").asInt());

    // Night 4: images somewhere new (the South Pacific): new cells, a new generation trained
    // from scratch, and worse: rejected. Stopped after evaluate, then resumed to the decision.
    writeOceanBatch(drops.resolve("day1"), drops.resolve("day4"));
    train.quality = 0.40;
    Map<String, String> stop = new HashMap<>(base);
    stop.put("stop-after", "evaluate");
    NightlyRetrainJob.Result r4a = NightlyRetrainJob.run(spark, NightlyOptions.parse(stop), jobs, Clock.systemUTC());
    assertEquals("stopped", r4a.status());
    NightlyRetrainJob.Result r4 = NightlyRetrainJob.run(spark, NightlyOptions.parse(base), jobs, Clock.systemUTC());
    assertEquals(r4a.run(), r4.run());
    assertEquals(List.of("promote"), r4.stepsRun());
    assertEquals("rejected", r4.status());
    assertNull(r4.version());
    assertEquals("worse than v0002 by more than the margin of 1.00 points at heldout@25km 40.00% vs 49.50% (-9.50); "
        + "heldout@200km 40.00% vs 49.50% (-9.50); heldout@750km 40.00% vs 49.50% (-9.50); heldout@2500km 40.00% vs 49.50% (-9.50)",
        r4.reason());
    assertEquals("", train.calls.get(train.calls.size() - 1).get("init"), "a new generation starts from scratch");
    assertEquals("v0002\n", Files.readString(reg.resolve("current")));

    List<String> history = Files.readAllLines(reg.resolve("history.jsonl"));
    assertEquals(3, history.size());
    List<String> decisions = new ArrayList<>();
    for (String line : history) {
      JsonNode h = JSON.readTree(line);
      decisions.add(h.get("decision").asText() + " " + h.get("version").asText(null) + " gen " + h.get("generation").asInt() + " "
          + h.get("mode").asText());
    }
    assertEquals(List.of("promoted v0001 gen 1 scratch", "promoted v0002 gen 1 fine-tune", "rejected null gen 2 scratch"), decisions);
    assertEquals(r1.run(), JSON.readTree(history.get(0)).get("run").asText());
    assertEquals(List.of("v0001", "v0002"), ModelRegistry.open(reg.toString(), new Configuration(), Clock.systemUTC())
        .versions().stream().map(ModelRegistry.Version::name).toList());
  }

  @Test
  void optionsAreValidated() {
    OptionException e = assertThrows(OptionException.class, () -> NightlyOptions.parse(Map.of("registry", "/r", "manifests", "/m/*")));
    assertTrue(e.getMessage().contains("Missing option --eval-input (spark.geodecoder.nightly.eval-input)"), e.getMessage());
    assertEquals("ingest", NightlyOptions.parse(Map.of("registry", "/r", "manifests", "/m/*", "stop-after", "ingest")).stopAfter());
    e = assertThrows(OptionException.class, () -> NightlyOptions.parse(Map.of("registry", "/r", "manifests", "/m/*",
        "stop-after", "ingest", "margin", "-1")));
    assertTrue(e.getMessage().startsWith("Cannot set --margin (spark.geodecoder.nightly.margin) to '-1'"), e.getMessage());
    NightlyOptions o = NightlyOptions.parse(Map.of("registry", "hdfs:///geo/registry/", "manifests", "a/*.csv, b/*.csv",
        "eval-input", "x"));
    assertEquals("hdfs:///geo/registry/work", o.workDir());
    assertEquals(List.of("a/*.csv", "b/*.csv"), o.manifests());
    assertEquals(6 * 3600, o.lockTimeout().toSeconds());
  }

  // ---- stand-ins and data helpers

  /** The train job's name and options; writes a checkpoint, then model/model.json. */
  static final class FakeTrainJob extends AbstractJob {
    final List<Map<String, String>> calls = new ArrayList<>();
    volatile double quality;
    volatile boolean failOnce;

    FakeTrainJob() {
      super("train", "stand-in", Stream.of("shards", "labels", "cells", "output", "preset", "init", "replicas", "device", "batch-size",
          "epochs", "max-steps", "lr", "momentum", "weight-decay", "milestones", "gamma", "clip-norm", "seed", "checkpoint-every",
          "keep-checkpoints", "resume", "overwrite", "log-every", "val-samples", "max-bad-fraction", "sync-timeout-s")
          .map(n -> OptionSpec.withDefault(n, "", n)).toList());
    }

    @Override
    public Prepared prepare(Map<String, String> options) {
      new JobOptionsReader(name(), options(), options); // unknown options fail, as in the real job
      return spark -> {
        calls.add(Map.copyOf(options));
        FileSystem fs = fs(spark);
        String out = options.get("output");
        HadoopFiles.writeAtomically(fs, new org.apache.hadoop.fs.Path(out + "/checkpoints/step-1"), "1");
        if (failOnce) {
          failOnce = false;
          throw new JobFailedException("simulated kill during training");
        }
        HadoopFiles.writeAtomically(fs, new org.apache.hadoop.fs.Path(out + "/model/model.json"), "{\"quality\":" + quality + "}");
        HadoopFiles.writeAtomically(fs, new org.apache.hadoop.fs.Path(out + "/model/parameters.safetensors"), "weights");
      };
    }
  }

  /**
   * The score job's name and options: predicts the first round(quality·N) held-out images at
   * their true place and the others at their antipode, so accuracy = quality at every threshold.
   */
  static final class FakeScoreJob extends AbstractJob {
    FakeScoreJob() {
      super("score", "stand-in", Stream.of("model", "cells", "input", "output", "device", "batch-size", "top-k", "tencrop")
          .map(n -> OptionSpec.withDefault(n, "", n)).toList());
    }

    @Override
    public Prepared prepare(Map<String, String> options) {
      new JobOptionsReader(name(), options(), options);
      return spark -> {
        String model = HadoopFiles.read(fs(spark), new org.apache.hadoop.fs.Path(options.get("model") + "/model.json")).orElseThrow();
        double quality;
        try {
          quality = JSON.readTree(model).get("quality").asDouble();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
        List<Row> truth = spark.read().option("header", "true").csv(options.get("input")).orderBy("id").collectAsList();
        long right = Math.round(quality * truth.size());
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < truth.size(); i++) {
          Row t = truth.get(i);
          double lat = Double.parseDouble(t.getString(1));
          double lon = Double.parseDouble(t.getString(2));
          double plat = i < right ? lat : -lat;
          double plon = i < right ? lon : (lon > 0 ? lon - 180 : lon + 180);
          out.add(RowFactory.create(t.getString(0), plat, plon, lat, lon));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType).add("lat", DataTypes.DoubleType)
            .add("lon", DataTypes.DoubleType).add("true_lat", DataTypes.DoubleType).add("true_lon", DataTypes.DoubleType);
        // As the real job: predictions/ under the output directory (beside rejects/ and summary.json).
        spark.createDataFrame(out, schema).coalesce(1).write().parquet(options.get("output") + "/predictions");
      };
    }
  }

  private static FileSystem fs(SparkSession spark) {
    try {
      return FileSystem.getLocal(spark.sparkContext().hadoopConfiguration());
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A drop as the synth job writes it (manifest.csv + images/), without Spark: faster here. */
  private static void writeDrop(SynthGenerator gen, Path dir, int first) throws Exception {
    List<String> lines = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON,S3_Label,S16_Label,S365_Label"));
    for (int i = first; i < first + PER_BATCH; i++) {
      SynthGenerator.Photo p = gen.photo(i);
      Path img = dir.resolve("images").resolve(p.id());
      Files.createDirectories(img.getParent());
      Files.write(img, p.jpeg());
      lines.add(String.join(",", p.id(), p.author(), Double.toString(p.latDegrees()), Double.toString(p.lonDegrees()),
          Integer.toString(p.scene3()), Integer.toString(p.scene16()), Integer.toString(p.scene365())));
    }
    Files.write(dir.resolve("manifest.csv"), lines);
  }

  /** A new drop with the images and places of {@code from}, under new ids. */
  private static void copyWithNewIds(Path from, Path to, String prefix) throws Exception {
    List<String> lines = Files.readAllLines(from.resolve("manifest.csv"));
    List<String> out = new ArrayList<>(List.of(lines.get(0)));
    for (String line : lines.subList(1, lines.size())) {
      String id = line.substring(0, line.indexOf(','));
      Path img = to.resolve("images").resolve(prefix + id);
      Files.createDirectories(img.getParent());
      Files.copy(from.resolve("images").resolve(id), img);
      out.add(prefix + line);
    }
    Files.write(to.resolve("manifest.csv"), out);
  }

  /** Five images placed in the South Pacific, where the photo sample has no image. */
  private static void writeOceanBatch(Path from, Path to) throws Exception {
    List<String> lines = Files.readAllLines(from.resolve("manifest.csv"));
    String firstId = lines.get(1).substring(0, lines.get(1).indexOf(','));
    double[][] places = {{-30, -140}, {-45, -110}, {-20, -160}, {-50, -130}, {-35, -125}};
    List<String> out = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON"));
    for (int i = 0; i < places.length; i++) {
      Path img = to.resolve("images/ocean" + i + ".jpg");
      Files.createDirectories(img.getParent());
      Files.copy(from.resolve("images").resolve(firstId), img);
      out.add("ocean" + i + ".jpg,sailor" + i + "," + places[i][0] + "," + places[i][1]);
    }
    Files.write(to.resolve("manifest.csv"), out);
  }
}
