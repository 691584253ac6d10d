package org.geodecoder.jobs.nightly;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.Job;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs the nightly run calls, looked up by name when they are needed (not when this class
 * loads): the nightly job compiles and runs its first steps in a build that does not have the
 * train or score job yet, and says clearly which job is missing when a step needs it.
 *
 * <p>A job runs in-process on the nightly run's session, with the options a standalone
 * submission would give it: its {@code spark.geodecoder.<job>.*} keys from the session's
 * configuration (a properties file such as conf/paper.properties), overridden by the options
 * the step sets (paths and modes).
 */
public final class JobCatalog {
  private static final Logger LOG = LoggerFactory.getLogger(JobCatalog.class);
  private final Supplier<List<Job>> jobs;

  private JobCatalog(Supplier<List<Job>> jobs) {
    this.jobs = jobs;
  }

  /** The jobs registered in {@link GeoDecoderCli#JOBS}, read at each lookup. */
  public static JobCatalog registered() {
    return new JobCatalog(() -> GeoDecoderCli.JOBS);
  }

  /** A fixed list (tests, or jobs not registered in the launcher). */
  public static JobCatalog of(List<Job> jobs) {
    List<Job> copy = List.copyOf(jobs);
    return new JobCatalog(() -> copy);
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
    });
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
    spark.sparkContext().setJobGroup("geodecoder-nightly", description, false);
    try {
      prepared.run(spark);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /** The job's options from the session's spark.geodecoder.JOB.* keys. */
  static Map<String, String> configured(SparkSession spark, String job) {
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
