package org.geodecoder.jobs.nightly;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;

/** Validated options of {@link NightlyRetrainJob}. Immutable. */
public final class NightlyOptions {
  public static final String REGISTRY = "registry";
  public static final String MANIFESTS = "manifests";
  public static final String EVAL_INPUT = "eval-input";
  public static final String EVAL_GROUND_TRUTH = "eval-ground-truth";
  public static final String WORK_DIR = "work-dir";
  public static final String PROMOTE_THRESHOLDS_KM = "promote-thresholds-km";
  public static final String MARGIN = "margin";
  public static final String LOCK_TIMEOUT_H = "lock-timeout-h";
  public static final String STOP_AFTER = "stop-after";
  public static final String FORCE = "force";
  public static final String ABANDON_ACTIVE = "abandon-active";
  public static final String RESCORE_CURRENT = "rescore-current";

  public static final String PROMOTE_THRESHOLDS_KM_DEFAULT = "25,200,750,2500";
  public static final double MARGIN_DEFAULT = 1.0;
  public static final double LOCK_TIMEOUT_H_DEFAULT = 6;
  public static final String STOP_AFTER_DEFAULT = "none";

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required(REGISTRY, "model registry directory (any Hadoop URI): versions/, current, history.jsonl, the lock"),
      OptionSpec.required(MANIFESTS, "manifest files to ingest: comma-separated Hadoop globs (e.g. s3a://b/drops/*/manifest.csv); images next to each manifest (images/ or tars/) unless spark.geodecoder.ingest.images is set"),
      OptionSpec.withDefault(EVAL_INPUT, "", "fixed held-out set given to score --input (images dir, tars or ingest shards); required unless --stop-after ends before evaluate"),
      OptionSpec.withDefault(EVAL_GROUND_TRUTH, "", "ground truth for evaluate --ground-truth when the held-out predictions carry no true_lat/true_lon"),
      OptionSpec.withDefault(WORK_DIR, "", "work directory: data/ (all ingested shards), runs/, watermark.json; none: <registry>/work"),
      OptionSpec.withDefault(PROMOTE_THRESHOLDS_KM, PROMOTE_THRESHOLDS_KM_DEFAULT, "thresholds (km) at which the candidate must not be worse than the current model"),
      OptionSpec.withDefault(MARGIN, MARGIN_DEFAULT, "largest accepted drop in accuracy, in points (1.0 = one percentage point)"),
      OptionSpec.withDefault(LOCK_TIMEOUT_H, LOCK_TIMEOUT_H_DEFAULT, "a lock whose holder showed no sign of life (heartbeat) for longer is stale and broken"),
      OptionSpec.withDefault(STOP_AFTER, STOP_AFTER_DEFAULT, "stop after this step (none, " + String.join(", ", NightlyRun.STEPS) + "); the next run resumes there"),
      OptionSpec.withDefault(FORCE, false, "train, evaluate and decide even when no new manifest arrived"),
      OptionSpec.withDefault(ABANDON_ACTIVE, false, "give up the unfinished run (e.g. one whose training diverged: resuming would repeat it) and start a new one; its ingested data stays"),
      OptionSpec.withDefault(RESCORE_CURRENT, false, "score the current model on the held-out set again instead of using its stored metrics (done anyway when the held-out set changed)"));

  private final String registry;
  private final List<String> manifests;
  private final String evalInput;
  private final String evalGroundTruth;
  private final String workDir;
  private final double[] promoteThresholdsKm;
  private final double marginPoints;
  private final Duration lockTimeout;
  private final String stopAfter;
  private final boolean force;
  private final boolean abandonActive;
  private final boolean rescoreCurrent;
  private final Map<String, String> resolved;

  private NightlyOptions(JobOptionsReader r) {
    registry = stripSlash(r.requiredString(REGISTRY));
    manifests = Arrays.stream(r.requiredString(MANIFESTS).split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    if (manifests.isEmpty()) {
      throw r.bad(MANIFESTS, r.raw(MANIFESTS), "give at least one glob");
    }
    evalInput = emptyToNull(r.string(EVAL_INPUT));
    evalGroundTruth = emptyToNull(r.string(EVAL_GROUND_TRUTH));
    String w = emptyToNull(r.string(WORK_DIR));
    workDir = w == null ? registry + "/work" : stripSlash(w);
    long[] th = r.longList(PROMOTE_THRESHOLDS_KM, 0);
    promoteThresholdsKm = Arrays.stream(th).asDoubleStream().toArray();
    for (int i = 1; i < th.length; i++) {
      if (th[i] <= th[i - 1]) {
        throw r.bad(PROMOTE_THRESHOLDS_KM, r.raw(PROMOTE_THRESHOLDS_KM), "must increase");
      }
    }
    marginPoints = r.doubleValue(MARGIN, 0, 100);
    double hours = r.doubleValue(LOCK_TIMEOUT_H, 0.001, 24 * 365);
    lockTimeout = Duration.ofMillis((long) (hours * 3_600_000));
    List<String> stops = new java.util.ArrayList<>(List.of("none"));
    stops.addAll(NightlyRun.STEPS);
    stopAfter = r.choice(STOP_AFTER, stops.toArray(String[]::new));
    force = r.bool(FORCE);
    abandonActive = r.bool(ABANDON_ACTIVE);
    rescoreCurrent = r.bool(RESCORE_CURRENT);
    if (evalInput == null && reaches(NightlyRun.EVALUATE)) {
      throw new OptionException("Missing option " + r.describe(EVAL_INPUT) + " for nightly: the evaluate step scores the"
          + " candidate on it (or stop earlier with " + r.describe(STOP_AFTER) + ")");
    }
    if (workDir.equals(registry)) {
      throw r.bad(WORK_DIR, workDir, "must differ from " + r.describe(REGISTRY));
    }
    resolved = r.resolved();
  }

  /** @throws OptionException naming the bad option, or all unknown ones */
  public static NightlyOptions parse(Map<String, String> values) {
    return new NightlyOptions(new JobOptionsReader(NightlyRetrainJob.NAME, SPECS, values));
  }

  /** Whether a run with these options goes as far as {@code step}. */
  public boolean reaches(String step) {
    return stopAfter.equals("none") || NightlyRun.STEPS.indexOf(stopAfter) >= NightlyRun.STEPS.indexOf(step);
  }

  public String registry() {
    return registry;
  }

  public List<String> manifests() {
    return manifests;
  }

  /** Held-out input of score, or null. */
  public String evalInput() {
    return evalInput;
  }

  /** Ground truth for evaluate, or null. */
  public String evalGroundTruth() {
    return evalGroundTruth;
  }

  public String workDir() {
    return workDir;
  }

  public double[] promoteThresholdsKm() {
    return promoteThresholdsKm.clone();
  }

  public double marginPoints() {
    return marginPoints;
  }

  public Duration lockTimeout() {
    return lockTimeout;
  }

  /** A step name, or "none". */
  public String stopAfter() {
    return stopAfter;
  }

  public boolean force() {
    return force;
  }

  public boolean abandonActive() {
    return abandonActive;
  }

  public boolean rescoreCurrent() {
    return rescoreCurrent;
  }

  public Map<String, String> resolved() {
    return resolved;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  private static String stripSlash(String s) {
    return s.length() > 1 && s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }
}
