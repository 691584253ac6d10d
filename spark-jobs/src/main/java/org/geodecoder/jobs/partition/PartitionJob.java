package org.geodecoder.jobs.partition;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.LocationRows;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.geodecoder.jobs.sample.SamplePoints;
import org.geodecoder.s2.AdaptivePartitioner;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellStatistics;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.s2.LeafLabeler;
import org.geodecoder.s2.Partitioning;
import org.geodecoder.s2.SortedLeafCounter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder partition}: the seven adaptive S2 hierarchies and the labels of every
 * image, in one pass over the input.
 *
 * <p>Steps: validate options → read and classify rows (bad ones to {@code rejects/}) → keep the
 * valid locations as sorted leaf-cell arrays → walk the S2 levels once for all hierarchies,
 * each level one distributed count → per-class statistics in exact integer sums → write
 * {@code cells.parquet}, {@code cells_h<k>.csv}, {@code labels.parquet}, {@code summary.json}.
 * Only per-cell data ever reaches the driver; the output is identical for any partitioning or
 * input order.
 */
public final class PartitionJob extends AbstractJob {
  public static final String NAME = "partition";
  private static final Logger LOG = LoggerFactory.getLogger(PartitionJob.class);

  static final String REASON = LocationRows.REASON;
  /** Staged column with --fit-split: the row's split (whether it shapes the cells). */
  private static final String SPLIT = "fit_split_value";

  public PartitionJob() {
    super(NAME, "Compute the adaptive S2 cell hierarchies (classes) and per-image labels", PartitionOptions.SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    PartitionOptions o = PartitionOptions.parse(options);
    return spark -> run(spark, o);
  }

  /** Result of a run, as also written to summary.json. */
  public record Result(long rowsRead, long rowsValid, Map<String, Long> rejectsByReason, int[] classes, long[] imagesKept, double wallSeconds) {}

  /** Runs the job; the caller owns the session. */
  public static Result run(SparkSession spark, PartitionOptions o) {
    long start = System.nanoTime();
    PhaseTimer phases = new PhaseTimer();
    LOG.info("partition: options {}", o.resolved());
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    OutputDir out = OutputDir.prepare(spark, o.output(), o.overwrite(), "--output", java.util.Collections.singletonMap("--input", o.input()));

    String input = o.input();
    if (input == null) {
      input = out.child("sample-points");
      LOG.info("No --input given: generating {} realistic photo locations into {}", o.sampleSize(), input);
      SamplePoints.writeCsv(spark, o.sampleSize(), o.seed(), input);
    }
    Dataset<Row> raw = InputTables.read(spark, input, o.format(), "--input");
    String idCol = InputTables.column(raw, o.idCol(), PartitionOptions.ID_CANDIDATES, "--id-col", input);
    String latCol = InputTables.column(raw, o.latCol(), PartitionOptions.LAT_CANDIDATES, "--lat-col", input);
    String lonCol = InputTables.column(raw, o.lonCol(), PartitionOptions.LON_CANDIDATES, "--lon-col", input);
    LOG.info("Reading {} (id={}, lat={}, lon={})", input, idCol, latCol, lonCol);

    jsc.setJobDescription("partition: read and validate " + input);
    // The one pass over the input: every later step reads this cache.
    Dataset<Row> staged = withSplit(LocationRows.stage(raw, idCol, latCol, lonCol), raw, o, input)
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> classified = null;
    try {
      jsc.setJobDescription("partition: find duplicate ids");
      String[] carry = o.fitSplit() == null ? new String[0] : new String[] {SPLIT};
      classified = LocationRows.classify(staged, carry).persist(StorageLevel.MEMORY_AND_DISK());
      return runOnClassified(spark, jsc, o, out, input, classified, staged, latCol, lonCol, start, phases);
    } finally {
      staged.unpersist();
      if (classified != null) {
        classified.unpersist();
      }
    }
  }

  /** With --fit-split, adds {@link #SPLIT}; without it every row shapes the cells and nothing is added. */
  private static Dataset<Row> withSplit(Dataset<Row> staged, Dataset<Row> raw, PartitionOptions o, String input) {
    if (o.fitSplit() == null) {
      return staged;
    }
    if (!Arrays.asList(raw.columns()).contains(PartitionOptions.SPLIT_COLUMN)) {
      throw new JobFailedException("--" + PartitionOptions.FIT_SPLIT + " " + o.fitSplit() + " needs a '"
          + PartitionOptions.SPLIT_COLUMN + "' column in " + input + ", which has " + Arrays.toString(raw.columns())
          + " (ingest's shards have one)");
    }
    return staged.withColumn(SPLIT, col("rejected." + LocationRows.quote(PartitionOptions.SPLIT_COLUMN)).cast("string"));
  }

  private static Result runOnClassified(SparkSession spark, JavaSparkContext jsc, PartitionOptions o, OutputDir out,
      String input, Dataset<Row> classified, Dataset<Row> staged, String latCol, String lonCol, long start,
      PhaseTimer phases) {
    // Counts by reason (valid rows have a null reason) and the swapped-columns hint.
    Map<String, Long> rejects = new TreeMap<>();
    long valid = 0;
    long swappable = 0;
    for (Row r : classified.groupBy(col(REASON), col("swappable")).count().collectAsList()) {
      if (r.isNullAt(0)) {
        valid += r.getLong(2);
      } else {
        rejects.merge(r.getString(0), r.getLong(2), Long::sum);
        if (!r.isNullAt(1) && r.getBoolean(1)) {
          swappable += r.getLong(2);
        }
      }
    }
    staged.unpersist(); // classified is materialized now: the wide staged rows are no longer needed
    long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
    long read = valid + rejected;
    LOG.info("Read {} rows: {} valid, {} rejected {} ({} s)", read, valid, rejected, rejects, phases.end("read_validate"));
    if (rejected > 0) {
      jsc.setJobDescription("partition: write rejects");
      Dataset<Row> bad = classified.filter(col(REASON).isNotNull()).select(col("rejected.*"), col(REASON));
      bad.write().parquet(out.child("rejects"));
    }
    double fraction = read == 0 ? 1.0 : rejected / (double) read;
    if (read == 0 || valid == 0 || fraction > o.maxRejectFraction()) {
      Map<String, Object> summary = summary(o, input, read, valid, rejects, null, start);
      summary.put("status", "failed");
      out.writeJson("summary.json", summary);
      out.keepFailed(); // the rejects and the failed summary, never over an earlier output
      throw new JobFailedException(rejectMessage(input, read, rejected, rejects, swappable, o, latCol, lonCol, out));
    }

    // Every valid row gets labels; only the fit rows (all, or those of --fit-split) shape the cells.
    Dataset<Row> locations = classified.filter(col(REASON).isNull()).select("id", "lat_d", "lon_d");
    Dataset<Row> fitLocations = locations;
    long fitted = valid;
    if (o.fitSplit() != null) {
      fitLocations = classified.filter(col(REASON).isNull().and(col(SPLIT).equalTo(o.fitSplit()))).select("id", "lat_d", "lon_d");
      jsc.setJobDescription("partition: count the rows of split " + o.fitSplit());
      fitted = fitLocations.count();
      if (fitted == 0) {
        throw new JobFailedException("No valid row of " + input + " has " + PartitionOptions.SPLIT_COLUMN + " = '"
            + o.fitSplit() + "' (--" + PartitionOptions.FIT_SPLIT + "), so there is nothing to fit the cells on; "
            + "the valid rows' splits are " + splitsOf(classified));
      }
      LOG.info("Fitting the cells on the {} valid rows of split '{}'; all {} valid rows get labels", fitted, o.fitSplit(), valid);
    }

    // Fit locations as one sorted leaf array per partition: the data of the level walk.
    // One sorted array per task slot: each level scan is then a handful of linear passes.
    int slots = Math.max(1, jsc.defaultParallelism());
    int partitions = (int) Math.max(slots, Math.min(fitLocations.rdd().getNumPartitions(), fitted / 4_000_000 + 1));
    JavaRDD<long[]> leaves = fitLocations.javaRDD().coalesce(partitions).mapPartitions(rows -> {
      long[] buf = new long[1024];
      int n = 0;
      while (rows.hasNext()) {
        Row r = rows.next();
        if (n == buf.length) {
          buf = Arrays.copyOf(buf, n * 2);
        }
        buf[n++] = CellIds.leafOf(r.getDouble(1), r.getDouble(2));
      }
      return List.of(SortedLeafCounter.sortUnsigned(Arrays.copyOf(buf, n))).iterator();
    }).persist(StorageLevel.MEMORY_AND_DISK());
    try {
      leaves.count(); // materialize, so that the phase times below are the level walk's own
      phases.end("rejects_and_leaf_arrays");
      SparkCellCounter counter = new SparkCellCounter(jsc, leaves);
      Partitioning partitioning = AdaptivePartitioner.partition(o.params(), counter);
      LOG.info("Partitioned in {} level scans ({} s)", counter.levelsCounted(), phases.end("partition_levels"));

      jsc.setJobDescription("partition: per-class statistics");
      Broadcast<LeafLabeler> labeler = jsc.broadcast(partitioning.labeler());
      int[] classCounts = new int[partitioning.hierarchies()];
      for (int h = 0; h < classCounts.length; h++) {
        classCounts[h] = partitioning.classes(h);
      }
      PartitionChecks.requireClasses(classCounts, o, fitted);
      CellStatistics stats = fitLocations.javaRDD().mapPartitions(rows -> {
        CellStatistics s = new CellStatistics(classCounts);
        int[] labels = new int[classCounts.length];
        while (rows.hasNext()) {
          Row r = rows.next();
          double lat = r.getDouble(1);
          double lon = r.getDouble(2);
          labeler.value().labels(CellIds.leafOf(lat, lon), labels);
          s.add(labels, CellStatistics.toE7(lat), CellStatistics.toE7(lon));
        }
        return List.of(s).iterator();
      }).treeReduce(CellStatistics::merge);
      CellVocabulary vocabulary = CellVocabulary.build(partitioning, stats);
      phases.end("statistics");

      jsc.setJobDescription("partition: write cells");
      CellTables.write(spark, vocabulary, out);
      phases.end("write_cells");
      jsc.setJobDescription("partition: write labels");
      writeLabels(spark, locations, labeler, classCounts.length, out);
      String fingerprint = PartitionChecks.writeFingerprint(spark, vocabulary, out);
      labeler.destroy();
      phases.end("write_labels");

      long[] kept = new long[classCounts.length];
      for (int h = 0; h < kept.length; h++) {
        for (int k = 0; k < classCounts[h]; k++) {
          kept[h] += vocabulary.cell(h, k).count();
        }
      }
      Map<String, Object> summary = summary(o, input, read, valid, rejects, vocabulary, start);
      summary.put("status", "ok");
      summary.put("fit_split", o.fitSplit() == null ? "all" : o.fitSplit());
      summary.put("rows_fitted", fitted);
      summary.put("level_scans", counter.levelsCounted());
      summary.put("phase_seconds", phases.seconds());
      summary.put("fingerprint", fingerprint);
      out.writeJson("summary.json", summary);
      out.commit(NAME);
      double wall = (System.nanoTime() - start) / 1e9;
      for (int h = 0; h < kept.length; h++) {
        LOG.info("Hierarchy {} (tmax {}): {} classes, {} of {} fit images kept", h + 1, o.params().tmax(h), classCounts[h], kept[h], fitted);
      }
      LOG.info("partition: done in {} s; output in {}", String.format("%.1f", wall), out.root());
      return new Result(read, valid, rejects, classCounts, kept, wall);
    } finally {
      leaves.unpersist();
    }
  }

  /** The split values of the valid rows (error path only: one more pass). */
  private static List<String> splitsOf(Dataset<Row> classified) {
    List<String> splits = new ArrayList<>();
    for (Row r : classified.filter(col(REASON).isNull()).select(col(SPLIT)).distinct().limit(20).collectAsList()) {
      splits.add(r.isNullAt(0) ? "null" : "'" + r.get(0) + "'");
    }
    splits.sort(null);
    return splits;
  }

  private static void writeLabels(SparkSession spark, Dataset<Row> locations, Broadcast<LeafLabeler> labeler,
      int hierarchies, OutputDir out) {
    StructType schema = new StructType().add("id", DataTypes.StringType, false);
    for (int h = 1; h <= hierarchies; h++) {
      schema = schema.add("label_h" + h, DataTypes.IntegerType, false);
    }
    JavaRDD<Row> rows = locations.javaRDD().mapPartitions(it -> {
      List<Row> batch = new ArrayList<>();
      int[] labels = new int[hierarchies];
      while (it.hasNext()) {
        Row r = it.next();
        labeler.value().labels(CellIds.leafOf(r.getDouble(1), r.getDouble(2)), labels);
        Object[] values = new Object[hierarchies + 1];
        values[0] = r.getString(0);
        for (int h = 0; h < hierarchies; h++) {
          values[h + 1] = labels[h];
        }
        batch.add(RowFactory.create(values));
      }
      return batch.iterator();
    });
    spark.createDataFrame(rows, schema).write().parquet(out.child("labels.parquet"));
  }

  private static String rejectMessage(String input, long read, long rejected, Map<String, Long> rejects, long swappable,
      PartitionOptions o, String latCol, String lonCol, OutputDir out) {
    if (read == 0) {
      return "Input " + input + " has no rows";
    }
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%d of %d rows (%.2f%%) of %s were rejected, more than --max-reject-fraction %s allows: %s.",
        rejected, read, 100.0 * rejected / read, input, o.maxRejectFraction(), rejects));
    long outOfRange = rejects.getOrDefault("latitude_out_of_range", 0L);
    if (outOfRange > 0 && swappable >= 0.9 * outOfRange) {
      sb.append(String.format(" %d of the %d rows with an out-of-range latitude would be valid with latitude and "
          + "longitude swapped: the columns look swapped; check --lat-col (now %s) and --lon-col (now %s).",
          swappable, outOfRange, latCol, lonCol));
    }
    if (rejected > 0) {
      sb.append(" The rejected rows and their reasons are in ").append(out.child("rejects")).append('.');
    }
    return sb.toString();
  }

  private static Map<String, Object> summary(PartitionOptions o, String input, long read, long valid,
      Map<String, Long> rejects, CellVocabulary vocabulary, long start) {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("job", NAME);
    s.put("input", input);
    s.put("rows_read", read);
    s.put("rows_valid", valid);
    s.put("rows_rejected", rejects.values().stream().mapToLong(Long::longValue).sum());
    s.put("rejected_by_reason", rejects);
    List<Map<String, Object>> hierarchies = new ArrayList<>();
    for (int h = 0; h < o.params().hierarchies(); h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("hierarchy", h + 1);
      m.put("tmin", o.params().tmin(h));
      m.put("tmax", o.params().tmax(h));
      if (vocabulary != null) {
        m.put("classes", vocabulary.classes(h));
        m.put("images_kept", vocabulary.classesOf(h).stream().mapToLong(c -> c.count()).sum());
      }
      hierarchies.add(m);
    }
    s.put("hierarchies", hierarchies);
    s.put("min_level", o.params().minLevel());
    s.put("max_level", o.params().maxLevel());
    s.put("wall_seconds", Math.round((System.nanoTime() - start) / 1e7) / 100.0);
    return s;
  }

}
