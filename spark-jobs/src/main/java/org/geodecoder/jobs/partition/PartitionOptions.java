package org.geodecoder.jobs.partition;

import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.s2.PartitionParams;

/** Validated options of {@link PartitionJob}. Immutable. */
public final class PartitionOptions {
  public static final String INPUT = "input";
  public static final String OUTPUT = "output";
  public static final String FORMAT = "format";
  public static final String ID_COL = "id-col";
  public static final String LAT_COL = "lat-col";
  public static final String LON_COL = "lon-col";
  public static final String TMIN = "tmin";
  public static final String TMAX = "tmax";
  public static final String MIN_LEVEL = "min-level";
  public static final String MAX_LEVEL = "max-level";
  public static final String MAX_REJECT_FRACTION = "max-reject-fraction";
  public static final String OVERWRITE = "overwrite";
  public static final String SAMPLE_SIZE = "sample-size";
  public static final String SEED = "seed";
  public static final String FIT_SPLIT = "fit-split";
  /** The column {@link #FIT_SPLIT} reads: the one ingest writes into its shards. */
  public static final String SPLIT_COLUMN = "split";

  public static final String OUTPUT_DEFAULT = "demo-output/partition";
  public static final double MAX_REJECT_FRACTION_DEFAULT = 0.01;
  public static final long SAMPLE_SIZE_DEFAULT = 200_000;
  public static final List<String> ID_CANDIDATES = InputTables.ID_CANDIDATES;
  public static final List<String> LAT_CANDIDATES = InputTables.LAT_CANDIDATES;
  public static final List<String> LON_CANDIDATES = InputTables.LON_CANDIDATES;

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.withDefault(INPUT, "", "CSV (with header) or Parquet file/directory with an id and lat/lon per image, any Hadoop URI; none: generate --sample-size realistic photo locations"),
      OptionSpec.withDefault(OUTPUT, OUTPUT_DEFAULT, "output directory (any Hadoop URI)"),
      OptionSpec.withDefault(FORMAT, "auto", "input format: auto (by extension), csv or parquet"),
      OptionSpec.withDefault(ID_COL, "auto", "id column; auto: first of " + ID_CANDIDATES),
      OptionSpec.withDefault(LAT_COL, "auto", "latitude column (degrees); auto: first of " + LAT_CANDIDATES),
      OptionSpec.withDefault(LON_COL, "auto", "longitude column (degrees); auto: first of " + LON_CANDIDATES),
      OptionSpec.withDefault(TMIN, PartitionParams.TMIN_DEFAULT, "cells with <= tmin images are dropped: one value, or one per hierarchy"),
      OptionSpec.withDefault(TMAX, "25000,10000,5000,2000,1000,750,500", "cells with > tmax images are split: one value per hierarchy, coarsest first"),
      OptionSpec.withDefault(MIN_LEVEL, PartitionParams.MIN_LEVEL_DEFAULT, "S2 level to start from"),
      OptionSpec.withDefault(MAX_LEVEL, PartitionParams.MAX_LEVEL_DEFAULT, "deepest S2 level a cell may be split to"),
      OptionSpec.withDefault(MAX_REJECT_FRACTION, MAX_REJECT_FRACTION_DEFAULT, "fail when more than this fraction of rows is rejected"),
      OptionSpec.withDefault(OVERWRITE, false, "replace an existing output directory"),
      OptionSpec.withDefault(SAMPLE_SIZE, SAMPLE_SIZE_DEFAULT, "points to generate when no --input is given"),
      OptionSpec.withDefault(SEED, 42, "seed of the generated sample"),
      OptionSpec.withDefault(FIT_SPLIT, "", "fit the cells on the rows whose '" + SPLIT_COLUMN + "' column has this value (e.g. train), so that held-out images do not shape the classes; every valid row still gets labels; empty: fit on all rows"));

  private final String input;
  private final String output;
  private final String format;
  private final String idCol;
  private final String latCol;
  private final String lonCol;
  private final PartitionParams params;
  private final double maxRejectFraction;
  private final boolean overwrite;
  private final long sampleSize;
  private final long seed;
  private final String fitSplit;
  private final Map<String, String> resolved;

  private PartitionOptions(JobOptionsReader r) {
    String in = r.string(INPUT);
    input = in == null || in.isEmpty() ? null : in;
    output = r.requiredString(OUTPUT);
    format = r.choice(FORMAT, "auto", "csv", "parquet");
    idCol = r.requiredString(ID_COL);
    latCol = r.requiredString(LAT_COL);
    lonCol = r.requiredString(LON_COL);
    long[] tmax = r.longList(TMAX, 1);
    long[] tminGiven = r.longList(TMIN, 0);
    long[] tmin;
    if (tminGiven.length == 1) {
      tmin = new long[tmax.length];
      java.util.Arrays.fill(tmin, tminGiven[0]);
    } else if (tminGiven.length == tmax.length) {
      tmin = tminGiven;
    } else {
      throw r.bad(TMIN, r.raw(TMIN), "give one value or one per hierarchy (" + TMAX + " lists " + tmax.length + ")");
    }
    int minLevel = r.integer(MIN_LEVEL, 0, 30);
    int maxLevel = r.integer(MAX_LEVEL, 0, 30);
    if (minLevel > maxLevel) {
      throw new OptionException("Cannot set " + r.describe(MIN_LEVEL) + " to " + minLevel + " above "
          + r.describe(MAX_LEVEL) + " " + maxLevel);
    }
    for (int h = 0; h < tmax.length; h++) {
      if (tmin[h] >= tmax[h]) {
        throw r.bad(TMIN, r.raw(TMIN), "tmin must be smaller than tmax, but hierarchy " + (h + 1) + " has tmin "
            + tmin[h] + " >= " + r.describe(TMAX) + " " + tmax[h]);
      }
    }
    try {
      params = PartitionParams.of(tmin, tmax, minLevel, maxLevel);
    } catch (IllegalArgumentException e) {
      throw new OptionException("Invalid " + r.describe(TMIN) + "/" + r.describe(TMAX) + ": " + e.getMessage());
    }
    maxRejectFraction = r.doubleValue(MAX_REJECT_FRACTION, 0, 1);
    overwrite = r.bool(OVERWRITE);
    sampleSize = r.longValue(SAMPLE_SIZE, 1);
    seed = r.longValue(SEED, Long.MIN_VALUE);
    String fit = r.string(FIT_SPLIT);
    fitSplit = fit == null || fit.isBlank() ? null : fit.trim();
    if (fitSplit != null && input == null) {
      throw r.bad(FIT_SPLIT, fitSplit, "the generated sample (no --" + INPUT + ") has no '" + SPLIT_COLUMN + "' column");
    }
    resolved = r.resolved();
  }

  /** @throws OptionException naming the first bad option, or all unknown ones */
  public static PartitionOptions parse(Map<String, String> values) {
    return new PartitionOptions(new JobOptionsReader(PartitionJob.NAME, SPECS, values));
  }

  /** Input URI, or null to partition a generated sample. */
  public String input() {
    return input;
  }

  public String output() {
    return output;
  }

  public String format() {
    return format;
  }

  public String idCol() {
    return idCol;
  }

  public String latCol() {
    return latCol;
  }

  public String lonCol() {
    return lonCol;
  }

  public PartitionParams params() {
    return params;
  }

  public double maxRejectFraction() {
    return maxRejectFraction;
  }

  /** Overwrite the output; always true for the generated-sample demo. */
  public boolean overwrite() {
    return overwrite || input == null;
  }

  public long sampleSize() {
    return sampleSize;
  }

  public long seed() {
    return seed;
  }

  /** The split whose rows the cells are fitted on, or null for all rows. */
  public String fitSplit() {
    return fitSplit;
  }

  public Map<String, String> resolved() {
    return resolved;
  }
}
