package org.geodecoder.jobs.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.geodecoder.eval.EvaluationAccumulator;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.TaskDevices;
import org.geodecoder.jobs.train.sync.GradientSync;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.io.ModelConfigJson;
import org.geodecoder.model.loss.LossTerms;
import org.geodecoder.model.train.Batch;
import org.geodecoder.model.train.HostTransfers;
import org.geodecoder.model.train.ReplicaTrainer;
import org.geodecoder.model.train.SgdConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's work in the barrier stage of one epoch. The replica builds its model once for the
 * stage (from the latest checkpoint, the {@code --init} model or the seed), then for every step:
 * forward + backward on its slice, all-reduce of the gradient (plus the loss sums, appended), the
 * identical SGD update on every replica. Rank 0 logs progress, writes {@code progress.json} and the
 * checkpoints (from a snapshot, written in the background: see {@link BackgroundCheckpoints}; the
 * stage ends only when they are committed). After the last step each replica scores its share of the validation samples.
 *
 * <p>A retried stage (a lost executor fails every task of a barrier stage) starts from the latest
 * committed checkpoint: the steps before it are skipped without decoding, and because the data
 * order, the augmentations and the stochastic-depth masks depend only on (seed, epoch, position,
 * step), the continuation is the same computation as an uninterrupted run.
 */
final class EpochTask implements FlatMapFunction<Iterator<TrainingSample>, EpochReport> {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(EpochTask.class);

  /** Everything a replica needs, shipped with the closure. */
  record Spec(String runUri, String runId, HadoopConf hadoop, String modelConfigJson, String initUri, String device,
      int epoch, int epochs, long stepsPerEpoch, long endStep, int batchSize, int replicas, long seed,
      double learningRate, double momentum, double weightDecay, long[] milestones, double gamma, double clipNorm,
      long checkpointEvery, int keepCheckpoints, long logEvery, long syncTimeoutMillis, GradientSync.Factory sync)
      implements Serializable {

    SgdConfig sgd() {
      return SgdConfig.builder().optLearningRate(learningRate).optMomentum(momentum).optWeightDecay(weightDecay)
          .optMilestones(milestones).optGamma(gamma).optClipNorm(clipNorm).build();
    }

    long epochStart() {
      return epoch * stepsPerEpoch;
    }
  }

  private final Spec spec;

  EpochTask(Spec spec) {
    this.spec = spec;
  }

  @Override
  public Iterator<EpochReport> call(Iterator<TrainingSample> rows) throws Exception {
    BarrierTaskContext ctx = BarrierTaskContext.get();
    int rank = ctx.partitionId();
    int replicas = ctx.getTaskInfos().length;
    if (replicas != spec.replicas()) {
      throw new IllegalStateException("Barrier stage has " + replicas + " tasks, expected " + spec.replicas());
    }
    ModelConfig config = ModelConfigJson.fromJson(spec.modelConfigJson());
    Device device = TaskDevices.pick(spec.device(), ctx);
    CheckpointStore store = new CheckpointStore(spec.runUri(), spec.hadoop().get());
    List<String> stepLines = new ArrayList<>();
    long started;
    try (Replica replica = Replica.open(spec, config, device, store, stepLines)) {
      started = replica.trainer.step();
      if (started < spec.epochStart() || started > spec.epochStart() + spec.stepsPerEpoch()) {
        throw new IllegalStateException("Checkpoint at step " + started + " does not belong to epoch " + (spec.epoch() + 1)
            + " (steps " + spec.epochStart() + ".." + (spec.epochStart() + spec.stepsPerEpoch()) + ")");
      }
      if (rank == 0) {
        LOG.info("train: epoch {}/{} replica 0 of {} on {} starts at step {} ({} of the epoch done)", spec.epoch() + 1,
            spec.epochs(), replicas, device, started, started - spec.epochStart());
      }
      BatchAssembler assembler = new BatchAssembler(config.hierarchy(), config.imageSize(), config.scenes(), spec.seed());
      Loop loop = new Loop(spec, ctx, rank, replica, assembler, store, stepLines);
      GradientSync sync = spec.sync().open(ctx, spec.runId() + "-e" + spec.epoch(), spec.syncTimeoutMillis());
      EpochReport report;
      try {
        TrainingSample first = loop.train(rows, sync);
        long t0 = System.nanoTime();
        EvaluationAccumulator validation = loop.validate(first, rows);
        double valSeconds = (System.nanoTime() - t0) / 1e9;
        report = new EpochReport(rank, replica.trainer.step(), rank == 0 ? List.copyOf(stepLines) : List.of(),
            validation, assembler.rejected(), loop.trainedSamples, loop.steps, loop.trainSeconds, loop.syncSeconds,
            valSeconds, device.toString(), loop.divergedAtStep);
      } catch (Throwable e) {
        sync.abort(e); // never waits: the peers stop at once instead of at their timeout
        throw e;
      }
      sync.close(); // the one barrier of the stage, after which every peer is done
      return List.of(report).iterator();
    }
  }

  /** The model replica and its trainer, restored or freshly initialised. */
  static final class Replica implements AutoCloseable {
    final GeoModel model;
    final ReplicaTrainer trainer;

    private Replica(GeoModel model, ReplicaTrainer trainer) {
      this.model = model;
      this.trainer = trainer;
    }

    static Replica open(Spec spec, ModelConfig config, Device device, CheckpointStore store, List<String> stepLines) {
      synchronized (org.geodecoder.model.DeviceLocks.of(device)) {
        return openLocked(spec, config, device, store, stepLines);
      }
    }

    private static Replica openLocked(Spec spec, ModelConfig config, Device device, CheckpointStore store,
        List<String> stepLines) {
      var latest = store.latest();
      GeoModel model = GeoModel.create(config, device, spec.seed());
      try {
        ReplicaTrainer trainer;
        if (latest.isPresent()) {
          CheckpointStore.Loaded loaded = store.load(latest.get());
          try {
            ModelCheckpoint.loadParameters(model, loaded.modelDir().resolve(ModelCheckpoint.PARAMETERS_FILE));
            trainer = new ReplicaTrainer(model, spec.sgd(), spec.seed());
            trainer.restoreOptimizerState(loaded.optimizer());
            if (loaded.state().epoch() == spec.epoch()) {
              stepLines.addAll(loaded.stepLines());
            }
          } finally {
            CheckpointStore.deleteLocal(loaded.modelDir().getParent().getParent());
          }
        } else {
          if (!spec.initUri().isEmpty()) {
            loadInit(spec, model);
          }
          trainer = new ReplicaTrainer(model, spec.sgd(), spec.seed());
        }
        return new Replica(model, trainer);
      } catch (RuntimeException e) {
        model.close();
        throw e;
      }
    }

    private static void loadInit(Spec spec, GeoModel model) {
      java.nio.file.Path local = null;
      try {
        local = java.nio.file.Files.createTempDirectory("geodecoder-init");
        Path src = new Path(spec.initUri(), ModelCheckpoint.PARAMETERS_FILE);
        src.getFileSystem(spec.hadoop().get()).copyToLocalFile(false, src, new Path(local.toUri()), true);
        ModelCheckpoint.loadParameters(model, local.resolve(ModelCheckpoint.PARAMETERS_FILE));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("Cannot read the --init model " + spec.initUri(), e);
      } finally {
        CheckpointStore.deleteLocal(local);
      }
    }

    @Override
    public void close() {
      model.close();
    }
  }

  /**
   * Input threads beside the task thread: one per core left over, at most 4. {@code
   * -Dgeodecoder.train.inputThreads=N} overrides it on the executors (0: prepare each batch on
   * the task thread, without overlap). On a CPU-only machine libtorch's own threads already use
   * every core, and a decoding thread beside them can stall their parallel regions: measured on
   * 2 cores (micro, batch 32, one epoch, back to back), inline took 0.193 / 0.211 / 0.205 s per
   * step against 0.248 / 0.249 / 0.235 / 0.202 s with one input thread, a gain within the
   * run-to-run spread, so the default stays.
   */
  static int inputThreads() {
    Integer set = Integer.getInteger("geodecoder.train.inputThreads");
    if (set != null && set >= 0) {
      return set;
    }
    return Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() - 1));
  }

  /** The step loop of one replica. */
  private static final class Loop {
    private final Spec spec;
    private final BarrierTaskContext ctx;
    private final int rank;
    private final Replica replica;
    private final BatchAssembler assembler;
    private final BackgroundCheckpoints checkpoints;
    private final List<String> stepLines;
    private final int slice;
    private final int lossValues;
    private final Object lock;
    long trainedSamples;
    long steps;
    long divergedAtStep = -1;
    double trainSeconds;
    double syncSeconds;
    private final long startedAt = System.nanoTime();
    private long lastLogNanos = System.nanoTime();
    private long samplesSinceLog;
    /** The preallocated host buffer of the exchange (gradient, then the loss sums); null for 1 replica. */
    private final java.nio.ByteBuffer exchange;
    private final StepPhases phasesSinceLog = new StepPhases();
    private final StepPhases epochPhases = new StepPhases();
    private long lastStepEnd = System.nanoTime();

    Loop(Spec spec, BarrierTaskContext ctx, int rank, Replica replica, BatchAssembler assembler, CheckpointStore store,
        List<String> stepLines) {
      this.spec = spec;
      this.ctx = ctx;
      this.rank = rank;
      this.replica = replica;
      this.assembler = assembler;
      this.checkpoints = new BackgroundCheckpoints(store);
      this.stepLines = stepLines;
      this.slice = spec.batchSize() / spec.replicas();
      this.lossValues = 2 * (replica.model.config().hierarchies() + 1) + 1;
      this.lock = org.geodecoder.model.DeviceLocks.of(replica.model.device());
      this.exchange = spec.replicas() > 1
          ? java.nio.ByteBuffer.allocateDirect((replica.trainer.size() + lossValues) * Float.BYTES)
              .order(java.nio.ByteOrder.nativeOrder())
          : null;
    }

    /**
     * Trains the remaining steps of the epoch from the replica's rows (sorted by position).
     *
     * @return the first validation row, if the stream reached one
     */
    TrainingSample train(Iterator<TrainingSample> rows, GradientSync sync) {
      TrainingSample first;
      try {
        first = trainSteps(rows, sync);
      } catch (Throwable e) {
        try {
          checkpoints.close();
        } catch (RuntimeException c) {
          e.addSuppressed(c);
        }
        throw e;
      }
      checkpoints.close(); // the stage ends with its checkpoints committed
      return first;
    }

    private TrainingSample trainSteps(Iterator<TrainingSample> rows, GradientSync sync) {
      ReplicaTrainer trainer = replica.trainer;
      List<TrainingSample> batch = new ArrayList<>(slice);
      long epochStart = spec.epochStart();
      long endOfEpoch = Math.min(epochStart + spec.stepsPerEpoch(), spec.endStep());
      lastStepEnd = System.nanoTime();
      TrainingSample first = null;
      try (BatchPipeline pipeline = new BatchPipeline(assembler, spec.epoch(), slice, inputThreads(), BATCHES_AHEAD)) {
        while (rows.hasNext()) {
          TrainingSample s = rows.next();
          if (s.isValidation()) {
            first = s;
            break;
          }
          long step = epochStart + EpochOrder.stepOf(s.position(), spec.batchSize());
          if (step < trainer.step() || step >= endOfEpoch) {
            continue; // done before the checkpoint we resumed from, or past --max-steps
          }
          batch.add(s);
          if (batch.size() < slice) {
            continue;
          }
          if (pipeline.full() && !step(pipeline.next(), pipeline, sync, endOfEpoch)) {
            return null;
          }
          pipeline.submit(step, batch);
          batch.clear();
        }
        while (!pipeline.isEmpty()) {
          if (!step(pipeline.next(), pipeline, sync, endOfEpoch)) {
            return null;
          }
        }
      }
      if (rank == 0 && steps > 0) {
        String shares = epochPhases.shares();
        LOG.info("train: epoch {} step time: {}", spec.epoch() + 1, shares);
        stepLines.add(String.format(Locale.ROOT, "{\"type\":\"phases\",\"epoch\":%d,\"steps\":%d,%s}",
            spec.epoch() + 1, epochPhases.steps(), epochPhases.json(true)));
      }
      return first;
    }

    /** Input threads per replica: the cores the task may use, leaving one to the step, at most 4. */
    private static final int BATCHES_AHEAD = 2;

    /**
     * One step: forward + backward on the prepared slice, with N replicas the exchange (one copy
     * to the host buffer, all-reduce, one copy back), the divergence check and the update.
     *
     * @return false when the step diverged (nothing applied)
     */
    private boolean step(BatchPipeline.Prepared prepared, BatchPipeline pipeline, GradientSync sync, long endOfEpoch) {
      ReplicaTrainer trainer = replica.trainer;
      int params = trainer.size();
      HostTransfers before = trainer.transfers().snapshot();
      long tReady = System.nanoTime();
      Batch b = prepared.batch();
      LossTerms terms = null;
      // Replicas sharing a JVM and device take turns (see DeviceLocks); input and exchange run unlocked.
      synchronized (lock) {
        if (b != null) {
          terms = trainer.computeGradients(b, (double) b.size() / spec.batchSize());
        }
      }
      pipeline.release(prepared);
      long tComputed = System.nanoTime();
      float[] losses = lossValues(terms, b);
      long tGathered = tComputed;
      long tExchanged = tComputed;
      if (exchange != null) {
        synchronized (lock) {
          trainer.gradientsToHost(exchange);
        }
        for (int i = 0; i < lossValues; i++) {
          exchange.putFloat((params + i) * Float.BYTES, losses[i]);
        }
        tGathered = System.nanoTime();
        sync.allReduceSum(exchange, params + lossValues);
        tExchanged = System.nanoTime();
        for (int i = 0; i < lossValues; i++) {
          losses[i] = exchange.getFloat((params + i) * Float.BYTES);
        }
      }
      double lr = trainer.learningRate();
      double norm;
      synchronized (lock) {
        if (exchange != null) {
          trainer.gradientsFromHost(exchange);
        }
        norm = trainer.gradientNorm();
        if (!Double.isFinite(norm) || !allFinite(losses)) {
          // Every replica holds the same sums, so all stop at this step, before the update:
          // the weights and the last checkpoint stay finite.
          divergedAtStep = trainer.step() + 1;
          if (rank == 0) {
            LOG.error("train: step {} of epoch {}: the loss or gradient is not finite (NaN/Inf); stopping before the update",
                divergedAtStep, spec.epoch() + 1);
          }
          return false;
        }
        trainer.applyUpdate(norm);
      }
      long tUpdated = System.nanoTime();
      StepPhases phases = StepPhases.of(tReady - lastStepEnd, tComputed - tReady, tGathered - tComputed,
          tExchanged - tGathered, tUpdated - tExchanged, trainer.transfers().since(before));
      phasesSinceLog.add(phases);
      epochPhases.add(phases);
      trainSeconds += (tUpdated - tReady - (tExchanged - tGathered)) / 1e9;
      syncSeconds += (tExchanged - tGathered) / 1e9;
      trainedSamples += terms == null ? 0 : terms.batchSize();
      steps++;
      samplesSinceLog += Math.round(losses[lossValues - 1]);
      if (rank == 0) {
        afterStep(trainer.step(), lr, norm, losses, endOfEpoch, phases);
      }
      lastStepEnd = System.nanoTime(); // after logging and checkpoints: their time counts as data wait
      return true;
    }

    /** False when any value is NaN or infinite. */
    static boolean allFinite(float[] values) {
      for (float v : values) {
        if (!Float.isFinite(v)) {
          return false;
        }
      }
      return true;
    }

    /** The slice's loss sums and counts per term, then its sample count (zeros without a batch). */
    private float[] lossValues(LossTerms terms, Batch b) {
      float[] values = new float[lossValues];
      if (terms != null) {
        for (int t = 0; t < terms.terms(); t++) {
          values[2 * t] = (float) terms.sum(t);
          values[2 * t + 1] = terms.count(t);
        }
        values[lossValues - 1] = b.size();
      }
      return values;
    }

    private void afterStep(long step, double lr, double norm, float[] losses, long endOfEpoch, StepPhases phases) {
      int hs = replica.model.config().hierarchies();
      StringBuilder line = new StringBuilder(256);
      double samples = losses[lossValues - 1];
      double objective = 0;
      StringBuilder terms = new StringBuilder();
      for (int t = 0; t <= hs; t++) {
        double sum = losses[2 * t];
        double count = losses[2 * t + 1];
        double mean = count > 0 ? sum / count : Double.NaN;
        objective += samples > 0 ? sum / samples : 0;
        terms.append(String.format(Locale.ROOT, ",\"loss_%s\":%s", t < hs ? "h" + (t + 1) : "scene", json(mean)));
      }
      double elapsed = (System.nanoTime() - startedAt) / 1e9;
      double rate = samples > 0 ? steps * (double) spec.batchSize() / Math.max(1e-9, elapsed) : 0;
      line.append(String.format(Locale.ROOT, "{\"type\":\"step\",\"epoch\":%d,\"step\":%d,\"lr\":%s,\"loss\":%s%s,"
              + "\"grad_norm\":%s,\"samples\":%d,\"samples_per_s\":%.3f,%s}", spec.epoch() + 1, step, json(lr),
          json(objective), terms, json(norm), Math.round(samples), rate, phases.json(false)));
      stepLines.add(line.toString());
      boolean epochEnd = step == endOfEpoch;
      if (step % spec.logEvery() == 0 || epochEnd) {
        double sinceLog = (System.nanoTime() - lastLogNanos) / 1e9;
        double recent = samplesSinceLog / Math.max(1e-9, sinceLog);
        long totalSteps = spec.endStep();
        double perStep = elapsed / Math.max(1, steps);
        String progress = String.format(Locale.ROOT,
            "epoch %d/%d step %d/%d (%.0f%% of epoch) loss %.4f lr %.3g %.1f samples/s ETA %s | %s",
            spec.epoch() + 1, spec.epochs(), step, totalSteps,
            100.0 * (step - spec.epochStart()) / spec.stepsPerEpoch(), objective, lr, recent,
            eta(perStep * (totalSteps - step)), phasesSinceLog.perStep());
        LOG.info("train: {}", progress);
        writeProgress(progress, line.toString());
        lastLogNanos = System.nanoTime();
        samplesSinceLog = 0;
        phasesSinceLog.clear();
      }
      if (step % spec.checkpointEvery() == 0 || epochEnd) {
        TrainState state = new TrainState(step, spec.epoch(), step - spec.epochStart(), spec.stepsPerEpoch(),
            spec.batchSize(), spec.replicas(), spec.seed(), replica.trainer.learningRate());
        long t0 = System.nanoTime();
        ModelCheckpoint.Snapshot snapshot;
        org.geodecoder.model.train.OptimizerState optimizer;
        synchronized (lock) {
          snapshot = ModelCheckpoint.snapshot(replica.model);
          optimizer = replica.trainer.optimizerState();
        }
        LOG.info("train: snapshot of step {} for its checkpoint taken in {} s", step,
            String.format(Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e9));
        checkpoints.submit(state, snapshot, optimizer, stepLines, spec.keepCheckpoints());
      }
    }

    private void writeProgress(String progress, String lastLine) {
      Path p = new Path(spec.runUri(), "progress.json");
      try {
        FileSystem fs = p.getFileSystem(spec.hadoop().get());
        try (var out = fs.create(p, true)) {
          out.write(("{\"progress\":\"" + progress + "\",\"last\":" + lastLine + ",\"time_ms\":"
              + System.currentTimeMillis() + "}\n").getBytes(StandardCharsets.UTF_8));
        }
      } catch (java.io.IOException e) {
        LOG.warn("Cannot write {}: {}", p, e.toString()); // progress is a convenience; training goes on
      }
    }

    /** Scores this replica's validation rows (the rest of its stream) with centre crops. */
    EvaluationAccumulator validate(TrainingSample first, Iterator<TrainingSample> rows) {
      EvaluationAccumulator acc = EvaluationAccumulator.create(0);
      if (first == null) {
        return acc;
      }
      ClassHierarchy hierarchy = replica.model.config().hierarchy();
      GeoPredictor predictor = new GeoPredictor(replica.model, 1);
      int batchSize = Math.max(1, Math.min(64, slice));
      List<TrainingSample> pending = new ArrayList<>();
      pending.add(first);
      while (rows.hasNext() || !pending.isEmpty()) {
        while (pending.size() < batchSize && rows.hasNext()) {
          pending.add(rows.next());
        }
        synchronized (lock) {
          predictInto(acc, pending, predictor, hierarchy);
        }
        pending.clear();
      }
      return acc;
    }

    private void predictInto(EvaluationAccumulator acc, List<TrainingSample> pending, GeoPredictor predictor,
        ClassHierarchy hierarchy) {
      GeoModel model = replica.model;
      List<TrainingSample> ok = new ArrayList<>();
      List<float[]> pixels = new ArrayList<>();
      for (TrainingSample s : pending) {
        float[] x = assembler.evaluation(s, model.manager());
        if (x != null) {
          ok.add(s);
          pixels.add(x);
        }
      }
      if (ok.isEmpty()) {
        return;
      }
      try (NDManager m = predictor.newInputManager()) {
        int values = pixels.get(0).length;
        float[] flat = new float[ok.size() * values];
        for (int i = 0; i < ok.size(); i++) {
          System.arraycopy(pixels.get(i), 0, flat, i * values, values);
        }
        NDArray images = m.create(flat, model.inputShape(ok.size()));
        List<Prediction> predictions = predictor.predict(images);
        int finest = hierarchy.hierarchies() - 1;
        for (int i = 0; i < ok.size(); i++) {
          TrainingSample s = ok.get(i);
          Prediction p = predictions.get(i);
          int[] truth = s.labels();
          int[] predicted = hierarchy.ancestors(finest, p.top().classLabel());
          acc.add("validation", s.latDegrees(), s.lonDegrees(), p.latDegrees(), p.lonDegrees(), s.scene3(), s.scene16(),
              truth == null ? null : predicted, truth);
        }
      }
    }
  }

  static String json(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v) : "null";
  }

  static String eta(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, (s % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
  }
}
