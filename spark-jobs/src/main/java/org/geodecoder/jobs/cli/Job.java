package org.geodecoder.jobs.cli;

import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * A job the launcher can run. Options are parsed and validated by {@link #prepare} before any
 * Spark session exists (bad options fail in milliseconds); {@link Prepared#run} does the work.
 */
public interface Job {
  /** Name used on the command line and in conf keys (spark.geodecoder.NAME.*). */
  String name();

  /** One line for the job list. */
  String summary();

  /** Every option with its default and help. */
  List<OptionSpec> options();

  /** Validates the options; throws {@link OptionException} naming the bad key. */
  Prepared prepare(Map<String, String> options);

  /** A job with validated options. */
  interface Prepared {
    /** Runs the job on the given session (the caller owns and stops it). */
    void run(SparkSession spark);
  }
}
