package org.geodecoder.jobs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.CommandLine;
import org.geodecoder.jobs.cli.Job;
import org.geodecoder.jobs.cli.InterruptReport;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.LockHeldException;
import org.geodecoder.jobs.io.OutputCommit;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.pipeline.PipelineJob;
import org.geodecoder.jobs.sample.SamplePointsJob;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.train.TrainJob;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.nightly.NightlyRetrainJob;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.evaluate.EvaluateJob;
import org.geodecoder.jobs.explain.ExplainJob;
import org.geodecoder.jobs.evaluate.AnalyzeDatasetJob;
import org.geodecoder.jobs.io.RecordKryoRegistrator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Entry point of every job: {@code geodecoder <job> [--master URL] [--conf k=v]... [--option
 * value]...}. The same class runs from the launcher script (Spark local mode, or any master)
 * and under spark-submit with the assembly jar, where spark-submit's own --master/--conf apply.
 */
public final class GeoDecoderCli {
  private static final Logger LOG = LoggerFactory.getLogger(GeoDecoderCli.class);

  /** Every job, in pipeline order. */
  public static final List<Job> JOBS = List.of(new SynthJob(), new SamplePointsJob(), new IngestJob(), new PartitionJob(), new TrainJob(),
      new ScoreJob(), new ExplainJob(), new EvaluateJob(), new AnalyzeDatasetJob(), new PipelineJob(), new NightlyRetrainJob());

  private GeoDecoderCli() {}

  public static void main(String[] args) {
    int code = run(args);
    if (code != 0) {
      System.exit(code);
    }
  }

  /**
   * Runs a command line; returns the process exit code: 0 ok, 1 job failed, 2 bad usage or
   * input option, 3 another run holds the lock (nightly; nothing was done).
   */
  public static int run(String[] args) {
    CommandLine cl;
    try {
      cl = CommandLine.parse(args);
    } catch (OptionException e) {
      System.err.println("geodecoder: error: " + e.getMessage());
      return 2;
    }
    if (cl.job() == null) {
      System.out.print(usage());
      return cl.help() ? 0 : 2;
    }
    Job job = find(cl.job());
    if (job == null) {
      System.err.println("geodecoder: error: unknown job '" + cl.job() + "'\n" + usage());
      return 2;
    }
    if (cl.help()) {
      System.out.print(help(job));
      return 0;
    }
    SparkConf conf = new SparkConf(); // picks up spark.* system properties set by spark-submit
    cl.conf().forEach(conf::set);
    RecordKryoRegistrator.enableIn(conf);
    Job.Prepared prepared;
    try {
      prepared = job.prepare(options(job, conf, cl));
    } catch (OptionException e) {
      System.err.println("geodecoder " + job.name() + ": error: " + e.getMessage());
      System.err.println("Run 'geodecoder " + job.name() + " --help' for the options and their defaults.");
      return 2;
    }
    if (cl.master() != null) {
      conf.setMaster(cl.master());
    } else if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    conf.setIfMissing("spark.app.name", "geodecoder " + job.name());
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    InterruptReport interrupt = InterruptReport.install(job.name());
    try {
      prepared.run(spark);
      interrupt.finished();
      return 0;
    } catch (RuntimeException e) {
      interrupt.finished();
      return report(job.name(), e);
    } finally {
      OutputCommit.abortOpen(); // a failed job's uncommitted output; the previous output stays
      spark.stop();
    }
  }

  /**
   * One line on stderr for an error; returns the exit code: 2 bad usage or input option, 1 job
   * failed, {@link LockHeldException#EXIT_CODE} another run holds the lock. A user error thrown
   * inside a Spark task arrives wrapped: the first user error among the causes is reported.
   */
  static int report(String job, RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof OptionException) {
        System.err.println("geodecoder " + job + ": error: " + t.getMessage());
        return 2;
      }
      if (t instanceof LockHeldException) {
        System.err.println("geodecoder " + job + ": not started: " + t.getMessage());
        return LockHeldException.EXIT_CODE;
      }
      if (t instanceof JobFailedException) {
        LOG.debug("Job failed", e);
        System.err.println("geodecoder " + job + ": failed: " + t.getMessage());
        return 1;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    System.err.println("geodecoder " + job + ": failed with an unexpected error: " + e);
    e.printStackTrace();
    return 1;
  }

  /** Prepends the job name: lets each job class have a main usable with spark-submit --class. */
  public static String[] withJob(String job, String[] args) {
    String[] out = new String[args.length + 1];
    out[0] = job;
    System.arraycopy(args, 0, out, 1, args.length);
    return out;
  }

  /** Options from Spark conf (spark.geodecoder.JOB.NAME), overridden by --name value. */
  static Map<String, String> options(Job job, SparkConf conf, CommandLine cl) {
    Map<String, String> out = new LinkedHashMap<>();
    String prefix = "spark.geodecoder." + job.name() + ".";
    for (Tuple2<String, String> kv : conf.getAllWithPrefix(prefix)) {
      out.put(kv._1(), kv._2());
    }
    // An option given twice, as --name and as --conf, with different values is refused; a value
    // from a properties file or spark-defaults is a default that the command line overrides.
    for (Map.Entry<String, String> e : cl.options().entrySet()) {
      String key = prefix + e.getKey();
      String before = out.get(e.getKey());
      if (before != null && !before.trim().equals(e.getValue().trim())) {
        if (cl.confGiven().contains(key)) {
          throw new OptionException("--" + e.getKey() + " " + e.getValue() + " conflicts with --conf " + key + "=" + before
              + "; give the option once");
        }
        LOG.warn("--{} {} overrides {}={} from the Spark configuration", e.getKey(), e.getValue(), key, before);
      }
    }
    out.putAll(cl.options());
    return out;
  }

  static Job find(String name) {
    for (Job j : JOBS) {
      if (j.name().equals(name)) {
        return j;
      }
    }
    return null;
  }

  static String usage() {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: geodecoder <job> [--master URL] [--conf key=value]... [--option value]...\n");
    sb.append("       geodecoder <job> --help    (options of one job, with defaults)\n\nJobs:\n");
    for (Job j : JOBS) {
      sb.append(String.format("  %-16s %s%n", j.name(), j.summary()));
    }
    sb.append("\nWithout --master, jobs run on Spark local mode (local[*]).\n");
    return sb.toString();
  }

  static String help(Job job) {
    StringBuilder sb = new StringBuilder();
    sb.append("Usage: geodecoder ").append(job.name()).append(" [--master URL] [--conf key=value]... [options]\n");
    sb.append(job.summary()).append("\n\nOptions (each also settable as --conf spark.geodecoder.")
        .append(job.name()).append(".<name>=<value>):\n");
    for (OptionSpec o : job.options()) {
      String def = o.defaultValue() == null ? "required" : o.defaultValue().isEmpty() ? "none" : o.defaultValue();
      sb.append(String.format("  --%-22s %s (default: %s)%n", o.name() + " V", o.help(), def));
    }
    return sb.toString();
  }
}
