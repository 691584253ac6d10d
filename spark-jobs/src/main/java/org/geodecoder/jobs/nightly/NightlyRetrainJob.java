package org.geodecoder.jobs.nightly;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobCatalog;

/**
 * {@code geodecoder nightly}: retrains on the manifests that arrived since the last run and
 * promotes the new model only if it is not worse than the current one.
 *
 * <p>Steps (each recorded by a marker; see {@link NightlyRun}):
 * <ol>
 *   <li>lock: one run at a time per registry ({@link RunLock}), stale locks broken;
 *   <li>ingest: the manifests not in the {@link Watermark}, each into the shared shards table;
 *   <li>partition: over all ingested data; same cells as the current model → same generation,
 *       fine-tune it; else a new generation, from scratch;
 *   <li>train: {@code --init} = the current model when fine-tuning; resumes from checkpoints
 *       after an interruption;
 *   <li>evaluate: score + evaluate on the fixed held-out set ({@code --eval-input});
 *   <li>promote: {@link PromotionPolicy} against the current model's metrics, recorded in the
 *       {@link ModelRegistry} (new version + {@code current} pointer on promotion; a history
 *       line either way).
 * </ol>
 * The train, score and evaluate jobs are called in-process on this session, looked up by name
 * ({@link JobCatalog}), with their own {@code spark.geodecoder.<job>.*} settings.
 */
public final class NightlyRetrainJob extends AbstractJob {
  public static final String NAME = "nightly";

  /**
   * What a run did.
   *
   * @param run the run id, null when nothing was to be done and no run was started
   * @param status promoted, rejected, no-new-data or stopped (after --stop-after)
   * @param decision promoted/rejected when the promote step ran, else null
   * @param version the new version when promoted
   */
  public record Result(String run, String status, List<String> stepsRun, List<String> stepsSkipped, String decision,
      String version, String reason) {
    public Result {
      stepsRun = List.copyOf(stepsRun);
      stepsSkipped = List.copyOf(stepsSkipped);
    }
  }

  public NightlyRetrainJob() {
    super(NAME, "Nightly retraining: ingest new manifests, partition, train, evaluate, promote only if not worse (locked, resumable)",
        NightlyOptions.SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    NightlyOptions o = NightlyOptions.parse(options);
    return spark -> run(spark, o);
  }

  /** Runs with the jobs registered in {@link GeoDecoderCli#JOBS}; the caller owns the session. */
  public static Result run(SparkSession spark, NightlyOptions o) {
    return run(spark, o, JobCatalog.registered(), Clock.systemUTC());
  }

  /** Runs with the given jobs and clock (tests). */
  public static Result run(SparkSession spark, NightlyOptions o, JobCatalog jobs, Clock clock) {
    return new NightlyRun(spark, o, jobs.withJobGroup("geodecoder-nightly"), clock).run();
  }
}
