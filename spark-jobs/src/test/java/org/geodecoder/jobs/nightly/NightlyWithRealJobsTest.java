package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobCatalog;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.evaluate.EvaluateJob;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.ingest.IngestOptions;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.train.TrainJob;
import org.geodecoder.model.GeoModel;
import org.geodecoder.s2.CellIds;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The nightly run end to end with only the real jobs (ingest, partition, train, score,
 * evaluate) on Spark local mode: the micro Swin+GeoDecoder trained through DJL on synthetic
 * 64 px photos, scored in batch on a fixed held-out set of ingest shards.
 *
 * <ul>
 *   <li>night 1, from scratch, 4 updates: promoted as v0001. The same night in a second
 *       registry, stopped after every step (--stop-after) and once killed in the middle of
 *       training, then started again, ends with the same registry: the same model bytes,
 *       held-out metrics and decision;
 *   <li>night 2, new photos at known places, fine-tuned at a learning rate that makes the loss
 *       NaN: the train job stops before that update and publishes nothing; the night fails with
 *       its message, {@code current} unchanged;
 *   <li>night 2b gives that run up ({@code --abandon-active}); its new drop is a broken export
 *       (Chinese photos with Iberian coordinates): the fine-tuned model is worse on the
 *       held-out set and rejected, the reason naming the thresholds and accuracies;
 *   <li>night 3, many more photos at known places, fine-tuning v0001 for 2 epochs: better on the
 *       held-out set at every promotion threshold, promoted as v0002;
 *   <li>a run started while another holds the lock is refused with a message naming the holder,
 *       and changes nothing.
 * </ul>
 *
 * With this little training the model mostly learns which of the three places are common in
 * what it was trained on; the drops are chosen so that this alone separates the models by wide
 * margins (measured within 2500 km on 96 held-out images: v0001 27%, the model taught by the
 * broken export 17%, the better one 61% in one run and 47% in another on the same machine, vs a
 * 1-point margin; the 47% was very likely the since-fixed use-after-free that zeroed some
 * steps' attention gradients, see README, not re-measured). The "far" bounds below are 5 and 10
 * points, inside the measured gaps (10, and 20 to 34), while the decisions themselves rest on
 * the 1-point margin. The test asserts the accuracy comparisons its claims rest on, not just
 * the decisions.
 */
class NightlyWithRealJobsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * The places: three S2 level-1 cells, far apart. Partition (tmin 0, one hierarchy from level 1)
   * makes each a class, ranked in S2 order: 0 Iberia, 1 eastern China, 2 eastern US.
   */
  private static final List<String> CELLS = List.of("0c", "34", "8c");
  /**
   * Photos per cell (Iberia, China, US) of each drop. The first drop is mostly American; later
   * drops, and the fixed held-out set, mostly Chinese. A model that learned from the later
   * drops is better on the held-out set; one taught by the broken export (day2b) that Chinese
   * photos are Iberian is worse.
   */
  private static final int[] DAY1 = {8, 24, 64};
  private static final int[] DAY2 = {8, 32, 8};
  /** Chinese photos whose manifest puts them in Iberia (a corrupted export): see writeDrop. */
  private static final int[] DAY2B = {0, 96, 0};
  private static final int[] DAY3 = {8, 200, 16};
  private static final int[] HELDOUT = {4, 64, 28};
  private static final int HELDOUT_SIZE = 96;
  /** With three classes thousands of km apart, only the coarse thresholds say anything. */
  private static final String PROMOTE_KM = "750,2500";
  private static final int[] PROMOTE = {750, 2500};
  private static final String MARGIN = "1.0";
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path drops;
  private static String heldout;
  private static Map<String, List<SynthGenerator.Photo>> photos;

  @BeforeAll
  static void setUp() throws Exception {
    spark = SparkSession.builder().master("local[2]").appName("NightlyWithRealJobsTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
        // Every non-empty level-1 cell is a class: the cells never change, later nights fine-tune.
        .config("spark.geodecoder.partition.tmin", "0")
        .config("spark.geodecoder.partition.tmax", "1000000")
        .config("spark.geodecoder.partition.min-level", "1")
        .config("spark.geodecoder.ingest.split", "none")
        // Short CPU training: micro preset (64 px), batches of 16 over 2 replicas, no validation
        // pass, constant rate; night 1 stops after 4 updates (checkpoints at 2 and 4).
        .config("spark.geodecoder.train.preset", "micro")
        .config("spark.geodecoder.train.batch-size", "16")
        .config("spark.geodecoder.train.replicas", "2")
        .config("spark.geodecoder.train.epochs", "1")
        .config("spark.geodecoder.train.max-steps", "4")
        .config("spark.geodecoder.train.milestones", "")
        .config("spark.geodecoder.train.val-samples", "0")
        .config("spark.geodecoder.train.checkpoint-every", "2")
        .config("spark.geodecoder.train.log-every", "1000")
        .config("spark.geodecoder.evaluate.paper-comparison", "false")
        .getOrCreate();
    drops = tmp.resolve("drops");
    // The first photos of the synthetic photo distribution that fall in the cells, cut into
    // disjoint drops in index order.
    SynthGenerator gen = new SynthGenerator(11, "photo", 64, 0.9f);
    List<List<SynthGenerator.Photo>> pool = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
    for (long i = 0; !full(pool); i++) {
      SynthGenerator.Photo p = gen.photo(i);
      int c = CELLS.indexOf(CellIds.toToken(CellIds.parent(CellIds.leafOf(p.latDegrees(), p.lonDegrees()), 1)));
      if (c >= 0) {
        pool.get(c).add(p);
      }
    }
    photos = new HashMap<>();
    int[] next = new int[CELLS.size()];
    for (Map.Entry<String, int[]> d : List.of(Map.entry("day1", DAY1), Map.entry("day2", DAY2), Map.entry("day2b", DAY2B), Map.entry("day3", DAY3),
        Map.entry("heldout", HELDOUT))) {
      List<SynthGenerator.Photo> out = new ArrayList<>();
      for (int c = 0; c < CELLS.size(); c++) {
        out.addAll(pool.get(c).subList(next[c], next[c] + d.getValue()[c]));
        next[c] += d.getValue()[c];
      }
      photos.put(d.getKey(), out);
    }
    // The fixed held-out set: ingest shards (images and true locations), as score reads them.
    Path held = tmp.resolve("heldout");
    writeDrop(held, photos.get("heldout"));
    IngestJob.run(spark, IngestOptions.parse(Map.of("manifest", held.resolve("manifest.csv").toString(),
        "output", held.resolve("ingest").toString(), "split", "none")));
    heldout = held.resolve("ingest/shards").toString();
  }

  private static boolean full(List<List<SynthGenerator.Photo>> pool) {
    for (int c = 0; c < CELLS.size(); c++) {
      if (pool.get(c).size() < DAY1[c] + DAY2[c] + DAY2B[c] + DAY3[c] + HELDOUT[c]) {
        return false;
      }
    }
    return true;
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static JobCatalog realJobs() {
    return JobCatalog.of(List.of(new IngestJob(), new PartitionJob(), new TrainJob(), new ScoreJob(), new EvaluateJob()));
  }

  private static NightlyRetrainJob.Result night(Path registry, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("registry", registry.toString());
    m.put("manifests", drops + "/*/manifest.csv");
    m.put("eval-input", heldout);
    m.put("promote-thresholds-km", PROMOTE_KM);
    m.put("margin", MARGIN);
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return NightlyRetrainJob.run(spark, NightlyOptions.parse(m), realJobs(), Clock.systemUTC());
  }

  @Test
  void realTrainingIsPromotedWhenBetterRejectedWhenWorseConvergesAfterKillsAndIsLocked() throws Exception {
    long t0 = System.nanoTime();
    Path reg = tmp.resolve("a/registry");
    writeDrop(drops.resolve("day1"), photos.get("day1"));

    // Night 1: from scratch, 4 updates on the mostly American first drop. The first model is
    // promoted.
    NightlyRetrainJob.Result n1 = night(reg);
    assertEquals("promoted", n1.status());
    assertEquals("v0001", n1.version());
    assertEquals(NightlyRun.STEPS, n1.stepsRun());
    assertEquals("first model: there is no current model to compare with", n1.reason());
    assertEquals("v0001\n", Files.readString(reg.resolve("current")));
    JsonNode v1 = json(reg.resolve("versions/v0001/version.json"));
    assertEquals("scratch", v1.get("mode").asText());
    assertEquals(1, v1.get("generation").asInt());
    assertEquals(List.of(3), JSON.convertValue(json(reg.resolve("work/runs").resolve(n1.run()).resolve("steps/partition.json"))
        .get("classes"), List.class));
    Map<Integer, Double> acc1 = accuracy(reg.resolve("versions/v0001/metrics.json"));
    log(t0, "night 1: v0001 " + acc1);

    // The same night in another registry, killed after every step and once in the middle of
    // training, and started again each time: the same registry as without the kills.
    Path killed = tmp.resolve("b/registry");
    for (String step : List.of("ingest", "partition", "train")) {
      NightlyRetrainJob.Result r = night(killed, "stop-after", step);
      assertEquals("stopped", r.status());
      assertEquals(List.of(step), r.stepsRun());
      assertFalse(Files.exists(killed.resolve("lock")), "released when a run stops");
    }
    // Killed during training after its first checkpoint: no train marker, no final model, no
    // checkpoint of step 4. The next start resumes from the checkpoint of step 2.
    Path run = activeRunDir(killed);
    Files.delete(run.resolve("steps/train.json"));
    deleteTree(run.resolve("train/model"));
    deleteTree(run.resolve("train/checkpoints/step-0000000004"));
    assertTrue(Files.exists(run.resolve("train/checkpoints/step-0000000002/_COMMITTED")));
    NightlyRetrainJob.Result resumed = night(killed, "stop-after", "evaluate");
    assertEquals(List.of("train", "evaluate"), resumed.stepsRun());
    assertTrue(json(run.resolve("steps/train.json")).get("resumed").asBoolean());
    NightlyRetrainJob.Result k1 = night(killed);
    assertEquals(resumed.run(), k1.run());
    assertEquals(List.of("promote"), k1.stepsRun());
    assertEquals(List.of("ingest", "partition", "train", "evaluate"), k1.stepsSkipped());
    assertEquals("promoted", k1.status());
    assertEquals("v0001", k1.version());
    assertArrayEquals(Files.readAllBytes(reg.resolve("versions/v0001/model/parameters.safetensors")),
        Files.readAllBytes(killed.resolve("versions/v0001/model/parameters.safetensors")), "the same model, bit for bit");
    assertEquals(json(reg.resolve("versions/v0001/metrics.json")).get("datasets"),
        json(killed.resolve("versions/v0001/metrics.json")).get("datasets"), "the same held-out evaluation");
    assertEquals(json(reg.resolve("versions/v0001/version.json")).get("cells_fingerprint"),
        json(killed.resolve("versions/v0001/version.json")).get("cells_fingerprint"));
    assertEquals(decisions(reg), decisions(killed));
    assertEquals("v0001\n", Files.readString(killed.resolve("current")));
    log(t0, "night 1 killed after every step and resumed: same v0001");

    // Night 2: new photos at known places (fine-tune v0001) at a learning rate that makes the
    // loss NaN: the train job stops before that update and publishes no model, so the night
    // fails with its message and nothing is promoted. Resuming would diverge again: the next
    // night gives the run up (--abandon-active).
    writeDrop(drops.resolve("day2"), photos.get("day2"));
    JobFailedException diverged = assertThrows(JobFailedException.class,
        () -> withTrainConf(Map.of("lr", "50", "max-steps", "0"), () -> night(reg)));
    assertTrue(diverged.getMessage().startsWith("Training diverged at step "), diverged.getMessage());
    String abandoned = Files.readString(reg.resolve("work/runs/ACTIVE")).trim();
    assertFalse(Files.exists(reg.resolve("work/runs").resolve(abandoned).resolve("train/model")), "no model published");
    assertEquals("v0001\n", Files.readString(reg.resolve("current")));
    assertFalse(Files.exists(reg.resolve("lock")), "released after the failure");
    log(t0, "night 2: " + diverged.getMessage());

    // Night 2b: the diverged run abandoned; a new drop from a broken export (Chinese photos
    // with Iberian coordinates) teaches the fine-tuned model that China looks Iberian: worse on
    // the held-out set (mostly Chinese), rejected; current stays v0001.
    writeDrop(drops.resolve("day2b"), photos.get("day2b"), 40.4, -3.7);
    NightlyRetrainJob.Result n2 = withTrainConf(Map.of("epochs", "2", "max-steps", "0"),
        () -> night(reg, "abandon-active", "true"));
    assertEquals("abandoned", json(reg.resolve("work/runs").resolve(abandoned).resolve("finished.json")).get("status").asText());
    assertTrue(!n2.run().equals(abandoned), "a new run");
    Path run2 = reg.resolve("work/runs").resolve(n2.run());
    assertEquals("fine-tune", json(run2.resolve("steps/partition.json")).get("mode").asText());
    assertEquals(0, nonFinite(run2.resolve("train/model")), "finite weights");
    Map<Integer, Double> acc2 = accuracy(run2.resolve("eval/candidate/metrics.json"));
    log(t0, "night 2: candidate " + acc2 + ": " + n2.status() + " (" + n2.reason() + ")");
    assertEquals("rejected", n2.status());
    assertNull(n2.version());
    assertEquals("v0001\n", Files.readString(reg.resolve("current")));
    assertFalse(Files.exists(reg.resolve("versions/v0002")));
    assertEquals("registry", json(run2.resolve("steps/evaluate.json")).get("current_source").asText());
    assertTrue(100 * (acc1.get(2500) - acc2.get(2500)) > 5, "far worse at 2500 km: " + acc2 + " vs " + acc1);
    List<String> worse = new ArrayList<>();
    for (int km : PROMOTE) {
      double c = 100 * acc2.get(km);
      double p = 100 * acc1.get(km);
      if (c - p < -1.0) {
        worse.add(String.format(Locale.ROOT, "heldout@%dkm %.2f%% vs %.2f%% (%+.2f)", km, c, p, c - p));
      }
    }
    assertEquals("worse than v0001 by more than the margin of 1.00 points at " + String.join("; ", worse), n2.reason());

    // Night 3: many more photos at known places, mostly Chinese like the held-out set;
    // fine-tuning v0001 for 2 epochs at the default rate. Better on the held-out set: promoted.
    writeDrop(drops.resolve("day3"), photos.get("day3"));
    NightlyRetrainJob.Result n3 = withTrainConf(Map.of("epochs", "2", "max-steps", "0"), () -> night(reg));
    Path run3 = reg.resolve("work/runs").resolve(n3.run());
    Map<Integer, Double> acc3 = accuracy(run3.resolve("eval/candidate/metrics.json"));
    // Scored with the run's own cells table: every prediction names one of the three cells.
    List<String> predictedCells = spark.read().parquet(run3.resolve("eval/candidate-score/predictions").toString())
        .select("cell_id").distinct().as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertTrue(!predictedCells.isEmpty() && CELLS.containsAll(predictedCells), predictedCells.toString());
    log(t0, "night 3: candidate " + acc3 + ": " + n3.status() + " (" + n3.reason() + ")");
    JsonNode p3 = json(run3.resolve("steps/partition.json"));
    assertEquals("fine-tune", p3.get("mode").asText());
    assertEquals("file:" + reg.resolve("versions/v0001/model"), p3.get("init").asText());
    for (int km : PROMOTE) {
      assertTrue(acc3.get(km) > acc1.get(km), km + " km: " + acc3 + " vs " + acc1);
    }
    assertTrue(100 * (acc3.get(2500) - acc1.get(2500)) > 10, "far better at 2500 km: " + acc3 + " vs " + acc1);
    assertEquals("promoted", n3.status());
    assertEquals("v0002", n3.version());
    assertEquals("at least as good as v0001 at every threshold [750, 2500] km", n3.reason());
    assertEquals("v0002\n", Files.readString(reg.resolve("current")));
    JsonNode v2 = json(reg.resolve("versions/v0002/version.json"));
    assertEquals("fine-tune", v2.get("mode").asText());
    assertEquals(1, v2.get("generation").asInt());
    assertEquals(n3.run(), v2.get("run").asText());
    assertEquals(acc3, accuracy(reg.resolve("versions/v0002/metrics.json")));
    assertArrayEquals(Files.readAllBytes(run3.resolve("train/model/parameters.safetensors")),
        Files.readAllBytes(reg.resolve("versions/v0002/model/parameters.safetensors")));
    assertEquals(List.of("promoted v0001 prev null scratch", "rejected null prev v0001 fine-tune",
        "promoted v0002 prev v0001 fine-tune"), decisions(reg));

    // A run while another holds the lock: refused, naming the holder; nothing changes.
    Clock clock = Clock.systemUTC();
    RunLock.Holder holder = RunLock.Holder.thisProcess(clock);
    org.apache.hadoop.fs.Path lockFile = new org.apache.hadoop.fs.Path(reg.resolve("lock").toUri());
    List<String> runsBefore = list(reg.resolve("work/runs"));
    List<String> historyBefore = Files.readAllLines(reg.resolve("history.jsonl"));
    try (RunLock held = RunLock.acquire(FileSystem.getLocal(new Configuration()), lockFile, Duration.ofHours(6),
        "--lock-timeout-h", holder, clock)) {
      JobFailedException e = assertThrows(JobFailedException.class, () -> night(reg));
      assertEquals("Another nightly run holds the lock " + lockFile + ": host " + holder.host() + ", pid " + holder.pid()
          + ", started " + holder.started() + ", last sign of life 0.0 h ago. Refusing to start, so that two runs never overlap. "
          + "If that run is dead, its lock is broken automatically once it is silent for more than --lock-timeout-h 6.0 h"
          + " (at once when its pid is gone and it ran on this host), or delete " + lockFile + ".", e.getMessage());
      held.verify(); // still the holder's
    }
    assertEquals(runsBefore, list(reg.resolve("work/runs")));
    assertEquals(historyBefore, Files.readAllLines(reg.resolve("history.jsonl")));
    assertEquals("v0002\n", Files.readString(reg.resolve("current")));
    // Once released, a run starts; with no new drop it has nothing to do.
    NightlyRetrainJob.Result after = night(reg);
    assertEquals("no-new-data", after.status());
    assertNull(after.run());
    log(t0, "done");
  }

  // ---- helpers

  /** Runs with some spark.geodecoder.train.* keys set, then puts the previous values back. */
  private static <T> T withTrainConf(Map<String, String> conf, java.util.concurrent.Callable<T> body) throws Exception {
    Map<String, String> before = new HashMap<>();
    conf.forEach((k, v) -> {
      String key = "spark.geodecoder.train." + k;
      before.put(key, spark.conf().getOption(key).getOrElse(() -> null));
      spark.conf().set(key, v);
    });
    try {
      return body.call();
    } finally {
      before.forEach((k, v) -> {
        if (v == null) {
          spark.conf().unset(k);
        } else {
          spark.conf().set(k, v);
        }
      });
    }
  }

  private static void log(long t0, String what) {
    System.out.printf(Locale.ROOT, "%6.1f s  %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  private static int nonFinite(Path model) {
    try (GeoModel m = GeoModel.load(model, Device.cpu())) {
      int n = 0;
      for (float x : m.flatParameters()) {
        n += Float.isFinite(x) ? 0 : 1;
      }
      return n;
    }
  }

  private static JsonNode json(Path f) throws Exception {
    return JSON.readTree(Files.readString(f));
  }

  /** Held-out accuracy (fraction) by threshold km, from an evaluate metrics.json. */
  private static Map<Integer, Double> accuracy(Path metrics) throws Exception {
    JsonNode ds = json(metrics).get("datasets");
    assertEquals(1, ds.size());
    assertEquals("heldout", ds.get(0).get("name").asText());
    Map<Integer, Double> out = new java.util.TreeMap<>();
    ds.get(0).get("accuracy").fields().forEachRemaining(e -> out.put(Integer.parseInt(e.getKey()), e.getValue().asDouble()));
    return out;
  }

  private static List<String> decisions(Path registry) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(registry.resolve("history.jsonl"))) {
      JsonNode h = JSON.readTree(line);
      out.add(h.get("decision").asText() + " " + h.get("version").asText(null) + " prev " + h.get("previous").asText(null) + " "
          + h.get("mode").asText());
    }
    return out;
  }

  private static Path activeRunDir(Path registry) throws Exception {
    Path runs = registry.resolve("work/runs");
    return runs.resolve(Files.readString(runs.resolve("ACTIVE")).trim());
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void deleteTree(Path p) throws Exception {
    try (Stream<Path> files = Files.walk(p)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }

  /** A drop as the synth job writes it: manifest.csv and images/. */
  private static void writeDrop(Path dir, List<SynthGenerator.Photo> photos) throws Exception {
    writeDrop(dir, photos, Double.NaN, Double.NaN);
  }

  /** With a finite {@code lat}: every photo's manifest row says (lat, lon + a small spread) instead of its place. */
  private static void writeDrop(Path dir, List<SynthGenerator.Photo> photos, double lat, double lon) throws Exception {
    List<String> lines = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON,S3_Label,S16_Label,S365_Label"));
    int i = 0;
    for (SynthGenerator.Photo p : photos) {
      Path img = dir.resolve("images").resolve(p.id());
      Files.createDirectories(img.getParent());
      Files.write(img, p.jpeg());
      boolean moved = Double.isFinite(lat);
      double la = moved ? lat + 0.01 * (i % 10) : p.latDegrees();
      double lo = moved ? lon + 0.01 * (i++ / 10) : p.lonDegrees();
      lines.add(String.join(",", p.id(), p.author(), Double.toString(la), Double.toString(lo),
          Integer.toString(p.scene3()), Integer.toString(p.scene16()), Integer.toString(p.scene365())));
    }
    Files.write(dir.resolve("manifest.csv"), lines);
  }
}
