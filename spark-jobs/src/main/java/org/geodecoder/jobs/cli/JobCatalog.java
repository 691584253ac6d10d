package org.geodecoder.jobs.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.GeoDecoderCli;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs a composite job (nightly, pipeline) calls, looked up by name when they are needed
 * (not when this class loads), so that a missing job is named clearly when a step needs it.
 *
 * <p>A job runs in-process on the caller's session, with the options a standalone submission
 * would give it: its {@code spark.geodecoder.<job>.*} keys from the session's configuration (a
 * properties file such as conf/paper.properties), overridden by the options the step sets
 * (paths and modes).
 */
public final class JobCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(JobCatalog.class);
  private final Supplier<List<Job>> jobs;
  private final String jobGroup;

  private JobCatalog(Supplier<List<Job>> jobs, String jobGroup) {
    this.jobs = jobs;
    this.jobGroup = jobGroup;
  }

  /** The jobs registered in {@link GeoDecoderCli#JOBS}, read at each lookup. */
  public static JobCatalog registered() {
    return new JobCatalog(() -> GeoDecoderCli.JOBS, "geodecoder");
  }

  /** A fixed list (tests, or jobs not registered in the launcher). */
  public static JobCatalog of(List<Job> jobs) {
    List<Job> copy = List.copyOf(jobs);
    return new JobCatalog(() -> copy, "geodecoder");
  }

  /** This catalog with some jobs replaced or added (by name). */
  public JobCatalog with(Job... extra) {
    return new JobCatalog(() -> {
      Map<String, Job> byName = new LinkedHashMap<>();
      jobs.get().forEach(j -> byName.put(j.name(), j));
      for (Job j : extra) {
        byName.put(j.name(), j);
      }
      return List.copyOf(byName.values());
    }, jobGroup);
  }

  /** This catalog running its jobs under the given Spark job group (shown in the UI). */
  public JobCatalog withJobGroup(String group) {
    return new JobCatalog(jobs, group);
  }

  public Optional<Job> find(String name) {
    return jobs.get().stream().filter(j -> j.name().equals(name)).findFirst();
  }

  /**
   * @param why what needs the job, for the message
   * @throws JobFailedException naming the missing job and the jobs this build has
   */
  public Job require(String name, String why) {
    return find(name).orElseThrow(() -> new JobFailedException("The '" + name + "' job is not available in this build ("
        + "registered jobs: " + jobs.get().stream().map(Job::name).toList() + "), and " + why + " needs it. "
        + "Use a build that registers it in GeoDecoderCli.JOBS, or stop before that step with --stop-after."));
  }

  /**
   * Runs a job on the session with its configured options plus {@code overrides}.
   *
   * @param description the Spark job group description while it runs
   */
  public void run(SparkSession spark, String name, Map<String, String> overrides, String description) {
    Job job = require(name, description);
    Map<String, String> options = configured(spark, name);
    options.putAll(overrides);
    Job.Prepared prepared;
    try {
      prepared = job.prepare(options);
    } catch (OptionException e) {
      throw new OptionException(description + ": the " + name + " job rejected its options: " + e.getMessage());
    }
    LOG.info("{}: running {} {}", description, name, overrides);
    spark.sparkContext().setJobGroup(jobGroup, description, false);
    try {
      prepared.run(spark);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** The job's options from the session's spark.geodecoder.JOB.* keys. */
  public static Map<String, String> configured(SparkSession spark, String job) {
    String prefix = "spark.geodecoder." + job + ".";
    Map<String, String> out = new LinkedHashMap<>();
    scala.jdk.javaapi.CollectionConverters.asJava(spark.conf().getAll()).forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        out.put(k.substring(prefix.length()), v);
      }
    });
    return out;
  }
}
