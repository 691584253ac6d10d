package org.geodecoder.jobs.train;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.ErrorStats;
import org.geodecoder.eval.EvaluationAccumulator;
import org.geodecoder.eval.HierarchyAccuracy;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.PhaseTimer;
import org.geodecoder.jobs.partition.CellTables;
import org.geodecoder.jobs.train.sync.BarrierStage;
import org.geodecoder.jobs.train.sync.GradientSync;
import org.geodecoder.jobs.train.sync.PeerAllReduce;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.io.ModelConfigJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder train}: synchronous data-parallel training of Swin + GeoDecoder. Each epoch is
 * one Spark barrier stage of N tasks, one model replica per task (one GPU per task when Spark
 * assigns GPUs, else CPU); gradients are all-reduced every step peer to peer on Spark's transport
 * ({@link PeerAllReduce}), never through the driver. The driver plans the epochs, collects
 * the replicas' reports, writes {@code metrics.jsonl} with per-epoch validation accuracies, and at
 * the end publishes {@code model/} and {@code summary.json}.
 *
 * <p>Steps: validate options → read the vocabulary and samples → plan (steps per epoch, replicas,
 * resume point) → one barrier stage per epoch → publish.
 */
public final class TrainJob extends AbstractJob {
  public static final String NAME = "train";
  private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);

  public TrainJob() {
    super(NAME, "Data-parallel training of Swin+GeoDecoder over a Spark barrier stage (checkpoints, resume)",
        TrainOptions.SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    TrainOptions o = TrainOptions.parse(options);
    return spark -> run(spark, o);
  }

  /** What a finished run reports (also in summary.json). */
  public record Result(String modelDir, long steps, int epochsRun, int replicas, Map<String, Object> validation,
      Map<String, Long> rejected) {}

  public static Result run(SparkSession spark, TrainOptions o) {
    return run(spark, o, PeerAllReduce.factory(o.syncPrecision()));
  }

  /** Runs with a given gradient synchronizer (tests compare the peer all-reduce with a reference). */
  public static Result run(SparkSession spark, TrainOptions o, GradientSync.Factory sync) {
    PhaseTimer phases = new PhaseTimer();
    SparkContext sc = spark.sparkContext();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(sc);
    LOG.info("train: options {}", o.resolved());
    HadoopConf hadoop = new HadoopConf(sc.hadoopConfiguration());
    RunDirectory run = RunDirectory.open(o.output(), hadoop.get(), o.overwrite(), o.resume(), o.trajectory(),
        TrainPreflight.inputPaths(o));
    TrainPreflight.check(spark, o, run);

    ModelConfig config = modelConfig(spark, o, hadoop);
    String sceneColumn = "scene" + config.scenes();
    TrainInputs inputs = TrainInputs.read(spark, o, config.hierarchies(), sceneColumn);
    long stepsPerEpoch = inputs.trainCount() / o.batchSize();
    if (stepsPerEpoch == 0) {
      inputs.close();
      throw new JobFailedException("The training split of --shards " + o.shards() + " has " + inputs.trainCount()
          + " samples, fewer than one global batch (--batch-size " + o.batchSize() + ")");
    }
    int replicas = replicas(sc, o);
    long totalSteps = stepsPerEpoch * o.epochs();
    long endStep = o.maxSteps() > 0 ? Math.min(o.maxSteps(), totalSteps) : totalSteps;
    CheckpointStore store = new CheckpointStore(run.uri(), hadoop.get());
    int startEpoch = 0;
    Map<String, Object> encoderRecord = null;
    var latest = store.latest();
    String initUri = o.init();
    if (latest.isEmpty() && !o.model().encoderWeights().isEmpty()) {
      PretrainedEncoder.Imported encoder =
          PretrainedEncoder.write(o.model().encoderWeights(), config, o.seed(), run.uri(), hadoop.get());
      initUri = encoder.modelUri();
      encoderRecord = encoder.record();
      LOG.info("train: encoder from --encoder-weights {}", encoderRecord);
    }
    if (latest.isPresent()) {
      TrainState state = store.load(latest.get()).state();
      startEpoch = state.nextEpoch();
      // Lines of the epoch being resumed come back from the checkpoint; drop any written after it.
      run.keepMetricsBefore(startEpoch);
      LOG.info("train: resuming {} from the checkpoint of step {} (epoch {}, {} of {} steps done)", run.uri(),
          state.step(), state.epoch() + 1, state.stepInEpoch(), state.stepsPerEpoch());
    } else {
      Map<String, Object> cfg = new LinkedHashMap<>();
      cfg.put("trajectory", o.trajectory());
      cfg.put("options", o.resolved());
      cfg.put("model", ModelConfigJson.toJson(config));
      if (encoderRecord != null) {
        cfg.put("encoder_weights", encoderRecord);
      }
      run.writeJson(RunDirectory.CONFIG, cfg);
    }
    long dropped = inputs.trainCount() - stepsPerEpoch * o.batchSize();
    LOG.info("train: {} training samples ({} steps/epoch of {}; {} left out of each epoch by drop-last), {} validation samples,"
            + " {} replicas × {} samples, {} epochs, {} steps in all{}", inputs.trainCount(), stepsPerEpoch, o.batchSize(), dropped,
        inputs.validationCount(), replicas, o.batchSize() / replicas, o.epochs(), endStep,
        o.maxSteps() > 0 ? " (--max-steps)" : "");
    double[] baseline = inputs.majorityBaseline(o.seed());
    phases.end("plan");

    String runId = "train-" + Integer.toHexString(run.uri().hashCode()) + "-" + System.currentTimeMillis();
    Map<String, Object> lastValidation = Map.of();
    TreeMap<String, Long> rejectedTotal = new TreeMap<>();
    int epochsRun = 0;
    long step = latest.map(CheckpointStore.Ref::step).orElse(0L);
    jsc.setJobGroup("geodecoder-train", "train " + run.uri(), true);
    try (ProgressPoller poller = ProgressPoller.start(run, !sc.isLocal())) {
      for (int epoch = startEpoch; epoch < o.epochs() && step < endStep; epoch++) {
        long t0 = System.nanoTime();
        EpochTask.Spec spec = new EpochTask.Spec(run.uri(), runId, hadoop, ModelConfigJson.toJson(config), initUri,
            o.device(), epoch, o.epochs(), stepsPerEpoch, endStep, o.batchSize(), replicas, o.seed(), o.learningRate(),
            o.momentum(), o.weightDecay(), o.sgd(stepsPerEpoch).milestones(), o.gamma(), o.clipNorm(), o.checkpointEvery(),
            o.keepCheckpoints(), o.logEvery(), o.syncTimeoutSeconds() * 1000, sync);
        jsc.setJobDescription(String.format(Locale.ROOT, "train: epoch %d/%d (%d replicas)", epoch + 1, o.epochs(), replicas));
        // The shuffle after the barrier stage makes it a ShuffleMapStage: Spark retries a failed
        // barrier ShuffleMapStage (all tasks, from the latest checkpoint) but aborts the job when a
        // barrier ResultStage fails.
        List<EpochReport> reports = BarrierStage.mapPartitions(
            inputs.epoch(spark, o.seed(), epoch, stepsPerEpoch, o.batchSize(), replicas), new EpochTask(spec),
            EpochReport.class).repartition(1).collect();
        EpochSummary summary = EpochSummary.of(reports, epoch, stepsPerEpoch, o.batchSize(), baseline);
        if (summary.divergedAtStep() >= 0) {
          run.appendMetrics(summary.stepLines());
          throw new JobFailedException("Training diverged at step " + summary.divergedAtStep() + " (epoch " + (epoch + 1)
              + "): the loss or gradient is not finite (NaN/Inf). The update was not applied and no model was published; the"
              + " latest checkpoint is step " + summary.endStep() + " in " + run.uri() + "/checkpoints. Lower --lr (now "
              + o.learningRate() + ") or set --clip-norm (now " + o.clipNorm() + "), then start again with --overwrite true"
              + " (--resume would repeat the same steps).");
        }
        step = summary.endStep();
        summary.rejected().forEach((k, v) -> rejectedTotal.merge(k, v, Long::sum));
        List<String> lines = new ArrayList<>(summary.stepLines());
        lines.add(summary.line((System.nanoTime() - t0) / 1e9));
        run.appendMetrics(lines);
        TrainReport.write(run.uri(), hadoop.get()); // overwritten after every epoch: the curves so far
        lastValidation = summary.validation();
        epochsRun++;
        LOG.info("train: epoch {}/{} done at step {} in {} s: {}", epoch + 1, o.epochs(), step,
            String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9), summary.describe());
        long seen = summary.samplesSeen();
        long bad = summary.rejected().values().stream().mapToLong(Long::longValue).sum();
        if (seen > 0 && bad > o.maxBadFraction() * seen) {
          throw new JobFailedException(bad + " of " + seen + " samples of epoch " + (epoch + 1) + " were unusable "
              + summary.rejected() + ", more than --max-bad-fraction " + o.maxBadFraction() + " allows; fix the shards"
              + " (ingest rejects/) or the labels, then run again with --resume true");
        }
      }
    } finally {
      jsc.clearJobGroup();
      inputs.close(); // the prepared table, kept for the epochs
    }
    phases.end("train");
    var last = store.latest().orElseThrow(() -> new JobFailedException("No checkpoint in " + run.uri() + " after training"));
    TrainPreflight.requireSamplesTrained(run);
    run.publishModel(last.path());
    Result result = new Result(run.finalUri() + "/model", last.step(), epochsRun, replicas, lastValidation, rejectedTotal);
    Map<String, Object> summary = new LinkedHashMap<>();
    summary.put("model", result.modelDir());
    summary.put("steps", result.steps());
    summary.put("steps_per_epoch", stepsPerEpoch);
    summary.put("epochs_run_now", epochsRun);
    summary.put("replicas", replicas);
    summary.put("train_samples", inputs.trainCount());
    summary.put("validation_samples", inputs.validationCount());
    summary.put("validation", lastValidation);
    summary.put("baseline_majority_class_h1", baseline[0]);
    summary.put("baseline_majority_acc_h1", Double.isNaN(baseline[1]) ? null : baseline[1]);
    summary.put("rejected", rejectedTotal);
    summary.put("phase_seconds", phases.seconds());
    run.writeJson("summary.json", summary);
    TrainReport.write(run.uri(), hadoop.get()); // report.md, report.html, loss and validation plots
    run.commit();
    LOG.info("train: done, {} steps; model in {}; validation {}", result.steps(), result.modelDir(), lastValidation);
    return result;
  }

  /** The preset for the vocabulary of --cells, or the --init model's config (which must match it). */
  static ModelConfig modelConfig(SparkSession spark, TrainOptions o, HadoopConf hadoop) {
    ClassHierarchy hierarchy = o.model().hierarchy(ClassHierarchy.fromVocabulary(CellTables.read(spark, o.cells())), o.cells());
    if (o.init().isEmpty()) {
      ModelConfig preset = ModelConfig.preset(o.preset(), hierarchy).toBuilder().optCellsTable(o.cells()).build();
      return o.model().apply(preset, "--preset " + o.preset());
    }
    Path file = new Path(o.init(), ModelCheckpoint.CONFIG_FILE);
    ModelConfig init;
    try (var in = file.getFileSystem(hadoop.get()).open(file)) {
      init = ModelConfigJson.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), file + " (--init)");
    } catch (IOException e) {
      throw new JobFailedException("Cannot read the --init model's " + file + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new JobFailedException(e.getMessage(), e);
    }
    if (!java.util.Arrays.equals(init.hierarchy().classCounts(), hierarchy.classCounts())) {
      throw new JobFailedException("--init " + o.init() + " predicts " + java.util.Arrays.toString(init.hierarchy().classCounts())
          + " classes per hierarchy but --cells " + o.cells() + " has " + java.util.Arrays.toString(hierarchy.classCounts())
          + "; fine-tuning needs the same cells (start a new model generation without --init instead)");
    }
    return o.model().checkInit(init, o.init()).toBuilder().setHierarchy(hierarchy).optCellsTable(o.cells()).build();
  }

  /**
   * --replicas, or auto: the task slots (largest divisor of the batch size not above them); 1 in
   * local mode, where replicas share one JVM and take turns on its device (DeviceLocks), so more
   * of them only add the all-reduce (measured: 2 replicas at 55 % of 1 replica's samples/s).
   */
  static int replicas(SparkContext sc, TrainOptions o) {
    int slots = sc.defaultParallelism() / Math.max(1, sc.getConf().getInt("spark.task.cpus", 1));
    if (o.replicas() > 0) {
      if (!sc.isLocal() && o.replicas() > slots) {
        LOG.warn("train: --replicas {} but the cluster offers {} task slots now; the barrier stage waits for all of them",
            o.replicas(), slots);
      }
      return o.replicas();
    }
    if (sc.isLocal()) {
      LOG.info("train: --replicas auto → 1 (local mode: replicas in one JVM take turns on the device)");
      return 1;
    }
    int n = Math.max(1, slots);
    while (o.batchSize() % n != 0) {
      n--;
    }
    LOG.info("train: --replicas auto → {} ({} task slots)", n, slots);
    return n;
  }

  /** Per-epoch results merged from the replicas' reports. */
  record EpochSummary(int epoch, long endStep, List<String> stepLines, Map<String, Object> validation,
      TreeMap<String, Long> rejected, long samplesSeen, double trainSeconds, double syncSeconds, long divergedAtStep) {

    static EpochSummary of(List<EpochReport> reports, int epoch, long stepsPerEpoch, int batchSize, double[] baseline) {
      EvaluationAccumulator acc = EvaluationAccumulator.create(0);
      TreeMap<String, Long> rejected = new TreeMap<>();
      List<String> lines = List.of();
      long end = -1;
      long seen = 0;
      double train = 0;
      double sync = 0;
      long diverged = -1;
      for (EpochReport r : reports) {
        diverged = Math.max(diverged, r.divergedAtStep());
        acc.merge(r.validation());
        r.rejected().forEach((k, v) -> rejected.merge(k, v, Long::sum));
        if (r.rank() == 0) {
          lines = r.stepLines();
        }
        if (end >= 0 && end != r.endStep()) {
          throw new IllegalStateException("Replicas ended at different steps: " + end + " and " + r.endStep());
        }
        end = r.endStep();
        seen += r.trainedSamples();
        train = Math.max(train, r.trainSeconds());
        sync = Math.max(sync, r.syncSeconds());
      }
      seen += rejected.values().stream().mapToLong(Long::longValue).sum();
      Map<String, Object> val = new LinkedHashMap<>();
      if (acc.count() > 0) {
        DatasetEvaluation d = acc.result(DistanceThresholds.PAPER).datasets().get(0);
        ErrorStats s = d.overall();
        val.put("count", s.count());
        for (int i = 0; i < s.thresholds().size(); i++) {
          val.put("acc_" + DistanceThresholds.formatKm(s.thresholds().km(i)).replace(" ", ""), s.accuracy(i));
        }
        val.put("median_km", s.medianKm());
        for (HierarchyAccuracy h : d.hierarchies()) {
          val.put("acc_class_h" + h.hierarchy(), h.accuracy());
        }
        if (baseline[0] >= 0) {
          val.put("baseline_majority_acc_h1", baseline[1]);
        }
      }
      return new EpochSummary(epoch, end, lines, val, rejected, seen, train, sync, diverged);
    }

    String line(double seconds) {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format(Locale.ROOT, "{\"type\":\"epoch\",\"epoch\":%d,\"step\":%d,\"seconds\":%.3f,"
          + "\"train_seconds\":%.3f,\"sync_seconds\":%.3f,\"samples\":%d,\"bad_samples\":%s,\"validation\":{",
          epoch + 1, endStep, seconds, trainSeconds, syncSeconds, samplesSeen, jsonMap(rejected)));
      boolean first = true;
      for (Map.Entry<String, Object> e : validation.entrySet()) {
        sb.append(first ? "" : ",").append('"').append(e.getKey()).append("\":").append(value(e.getValue()));
        first = false;
      }
      return sb.append("}}").toString();
    }

    String describe() {
      return validation.isEmpty() ? "no validation samples"
          : "validation " + validation + (rejected.isEmpty() ? "" : ", unusable samples " + rejected);
    }

    private static String value(Object v) {
      return v instanceof Double d ? EpochTask.json(d) : String.valueOf(v);
    }

    private static String jsonMap(Map<String, Long> m) {
      StringBuilder sb = new StringBuilder("{");
      m.forEach((k, v) -> sb.append(sb.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v));
      return sb.append('}').toString();
    }
  }

  /** Logs rank 0's progress file on the driver (on a cluster, executor logs are elsewhere). */
  static final class ProgressPoller implements AutoCloseable {
    private final Thread thread;

    private ProgressPoller(Thread thread) {
      this.thread = thread;
    }

    static ProgressPoller start(RunDirectory run, boolean enabled) {
      if (!enabled) {
        return new ProgressPoller(null);
      }
      Thread t = new Thread(() -> {
        long seen = run.modified("progress.json");
        while (!Thread.currentThread().isInterrupted()) {
          try {
            Thread.sleep(5_000);
            long m = run.modified("progress.json");
            if (m > seen) {
              seen = m;
              String text = run.read("progress.json");
              int a = text.indexOf("\"progress\":\"");
              if (a >= 0) {
                LOG.info("train: {}", text.substring(a + 12, text.indexOf('"', a + 12)));
              }
            }
          } catch (InterruptedException e) {
            return;
          } catch (RuntimeException e) {
            LOG.debug("progress poll failed", e);
          }
        }
      }, "geodecoder-train-progress");
      t.setDaemon(true);
      t.start();
      return new ProgressPoller(t);
    }

    @Override
    public void close() {
      if (thread != null) {
        thread.interrupt();
      }
    }
  }
}
