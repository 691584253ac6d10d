package org.geodecoder.jobs.train;

import java.io.Serializable;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.train.SgdConfig;

/**
 * Validated options of the {@code train} job. Defaults are the paper's schedule (SGD lr 0.01,
 * momentum 0.9, weight decay 1e-4, MultiStepLR [4, 8, 12, 13, 14, 15] × 0.5, 40 epochs, global
 * batch 512); the learning rate is never rescaled with the number of replicas.
 *
 * @param replicas 0 = auto (the cluster's task slots, reduced to a divisor of the batch)
 * @param maxSteps 0 = no limit (otherwise training stops after this many updates)
 * @param valSamples validation samples scored after every epoch (0 = none)
 */
public record TrainOptions(
    String shards,
    String labels,
    String cells,
    String output,
    String preset,
    String init,
    int replicas,
    String device,
    int batchSize,
    int epochs,
    long maxSteps,
    double learningRate,
    double momentum,
    double weightDecay,
    int[] milestoneEpochs,
    double gamma,
    double clipNorm,
    long seed,
    long checkpointEvery,
    int keepCheckpoints,
    boolean resume,
    boolean overwrite,
    long logEvery,
    int valSamples,
    double maxBadFraction,
    long syncTimeoutSeconds,
    ModelOptions model,
    Map<String, String> resolved)
    implements Serializable {

  private static final List<OptionSpec> CORE_SPECS = List.of(
      OptionSpec.required("shards", "ingest output: the shards/ directory (Parquet with id, lat, lon, scene*, image, split), any Hadoop URI"),
      OptionSpec.required("labels", "partition output: labels.parquet (id, label_h1..label_hH)"),
      OptionSpec.required("cells", "partition output: cells.parquet (the class vocabulary the model predicts)"),
      OptionSpec.withDefault("output", "demo-output/train", "run directory (any Hadoop URI): checkpoints/, metrics.jsonl, model/, summary.json"),
      OptionSpec.withDefault("preset", "micro", "model preset: " + String.join(", ", ModelConfig.PRESETS) + " (paper = swin_base with the paper's decoder)"),
      OptionSpec.withDefault("init", "", "model directory to start from (fine-tuning); its classes must match --cells. Empty: random init from --seed"),
      OptionSpec.withDefault("replicas", "auto", "model replicas = tasks of the barrier stage; auto: the cluster's task slots (largest divisor of --batch-size), 1 in local mode"),
      OptionSpec.withDefault("device", "auto", "auto (the GPU Spark assigns to the task, else CPU), cpu or gpu"),
      OptionSpec.withDefault("batch-size", 512, "global batch, split evenly over the replicas (must be divisible by --replicas)"),
      OptionSpec.withDefault("epochs", 40, "passes over the training split"),
      OptionSpec.withDefault("max-steps", 0, "stop after this many updates (0 = no limit)"),
      OptionSpec.withDefault("lr", 0.01, "SGD learning rate (not rescaled with the number of replicas)"),
      OptionSpec.withDefault("momentum", 0.9, "SGD momentum"),
      OptionSpec.withDefault("weight-decay", 1e-4, "SGD weight decay"),
      OptionSpec.withDefault("milestones", "4,8,12,13,14,15", "epochs at which the rate is multiplied by --gamma (empty: none)"),
      OptionSpec.withDefault("gamma", 0.5, "MultiStepLR factor"),
      OptionSpec.withDefault("clip-norm", 0.0, "clip the global gradient L2 norm to this (0 = off)"),
      OptionSpec.withDefault("seed", 42, "seeds the initial weights, the data order of every epoch and the augmentations"),
      OptionSpec.withDefault("checkpoint-every", 500, "checkpoint every this many updates (and at every epoch end)"),
      OptionSpec.withDefault("keep-checkpoints", 3, "complete checkpoints kept (older ones are deleted)"),
      OptionSpec.withDefault("resume", false, "continue a run from the latest complete checkpoint in --output"),
      OptionSpec.withDefault("overwrite", false, "delete an existing run directory and start afresh"),
      OptionSpec.withDefault("log-every", 50, "one progress line (loss, samples/s, ETA) every this many updates"),
      OptionSpec.withDefault("val-samples", 2000, "validation-split samples scored after every epoch (0 = no validation)"),
      OptionSpec.withDefault("max-bad-fraction", 0.01, "fail when more than this fraction of an epoch's samples is unusable (undecodable image, bad label)"),
      OptionSpec.withDefault("sync-timeout-s", 600, "a replica waiting longer than this for a peer's gradient fails the stage (Spark then retries it)"),
      OptionSpec.withDefault("sync-precision", "fp32", "gradient numbers on the wire between executors: fp32 (exact) or bf16 (half the bytes, fp32 sums; replicas stay identical, results differ from fp32 by ~2^-8 relative)"));

  /** Every option: the core ones, then the model group ({@link ModelOptions}). */
  static final List<OptionSpec> SPECS = ModelOptions.appendTo(CORE_SPECS, ModelOptions.SPECS);

  /** Options that shape the trajectory: a resumed run must use the same values. */
  static final List<String> TRAJECTORY = List.of("shards", "labels", "cells", "preset", "init", "replicas", "batch-size",
      "epochs", "lr", "momentum", "weight-decay", "milestones", "gamma", "clip-norm", "seed", "val-samples", "sync-precision");

  public static TrainOptions parse(Map<String, String> values) {
    JobOptionsReader r = new JobOptionsReader(TrainJob.NAME, SPECS, values);
    String preset = r.choice("preset", ModelConfig.PRESETS);
    String replicasRaw = r.requiredString("replicas");
    int replicas = 0;
    if (!replicasRaw.equals("auto")) {
      replicas = r.integer("replicas", 1, 4096);
    }
    int batch = r.integer("batch-size", 1, 1 << 20);
    if (replicas > 0 && batch % replicas != 0) {
      throw r.bad("batch-size", r.raw("batch-size"), "must be divisible by --replicas " + replicas + " (each replica takes an equal slice)");
    }
    String milestones = r.string("milestones");
    int[] ms = milestones == null || milestones.isBlank() ? new int[0]
        : Arrays.stream(r.longList("milestones", 1)).mapToInt(Math::toIntExact).toArray();
    boolean resume = r.bool("resume");
    boolean overwrite = r.bool("overwrite");
    if (resume && overwrite) {
      throw r.bad("overwrite", "true", "cannot be combined with --resume true (one continues the run, the other deletes it)");
    }
    String init = r.string("init");
    TrainOptions o = new TrainOptions(r.requiredString("shards"), r.requiredString("labels"), r.requiredString("cells"),
        r.requiredString("output"), preset, init == null ? "" : init.trim(), replicas,
        r.choice("device", "auto", "cpu", "gpu"), batch, r.integer("epochs", 1, 100_000),
        r.longValue("max-steps", 0), r.doubleValue("lr", 1e-12, 100), r.doubleValue("momentum", 0, 0.999999),
        r.doubleValue("weight-decay", 0, 1), ms, r.doubleValue("gamma", 1e-9, 1), r.doubleValue("clip-norm", 0, 1e12),
        r.longValue("seed", Long.MIN_VALUE), r.longValue("checkpoint-every", 1), r.integer("keep-checkpoints", 1, 1000),
        resume, overwrite, r.longValue("log-every", 1), r.integer("val-samples", 0, Integer.MAX_VALUE),
        r.doubleValue("max-bad-fraction", 0, 1), r.longValue("sync-timeout-s", 1),
        ModelOptions.parse(r, preset, init == null ? "" : init.trim()), r.resolved());
    r.choice("sync-precision", "fp32", "bf16");
    o.sgd(1); // validates the combination now, before Spark starts
    return o;
  }

  /** The optimizer settings with epoch milestones converted to updates. */
  public SgdConfig sgd(long stepsPerEpoch) {
    try {
      return SgdConfig.builder().optLearningRate(learningRate).optMomentum(momentum).optWeightDecay(weightDecay)
          .optMilestonesInEpochs(milestoneEpochs, stepsPerEpoch).optGamma(gamma).optClipNorm(clipNorm).build();
    } catch (IllegalArgumentException e) {
      throw new org.geodecoder.jobs.cli.OptionException("Invalid optimizer options: " + e.getMessage());
    }
  }

  /** Number format of gradients between executors (--sync-precision). */
  public org.geodecoder.jobs.train.sync.PeerAllReduce.Precision syncPrecision() {
    return org.geodecoder.jobs.train.sync.PeerAllReduce.Precision.parse(resolved.getOrDefault("sync-precision", "fp32"));
  }

  /** The resolved values of {@link #TRAJECTORY} options, recorded in the run directory. */
  Map<String, String> trajectory() {
    Map<String, String> t = new LinkedHashMap<>();
    for (String k : ModelOptions.appendTo(TRAJECTORY, ModelOptions.NAMES)) {
      t.put(k, resolved.get(k));
    }
    return t;
  }
}
