package org.geodecoder.jobs.partition;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.LocationRows;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.geodecoder.jobs.sample.SamplePoints;
import org.geodecoder.s2.AdaptivePartitioner;
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
 * <p>Steps: validate options → read and validate the id and coordinate columns in one pass that
 * keeps the valid rows as compact blocks with their S2 leaf cells ({@link PartitionInput}; bad
 * rows to {@code rejects/}) → walk the S2 levels once for all hierarchies,
 * each level one distributed count → per-class statistics in exact integer sums → write
 * {@code cells.parquet}, {@code cells_h<k>.csv}, {@code labels.parquet}, {@code summary.json}.
 * Only per-cell data ever reaches the driver; the output is identical for any partitioning or
 * input order.
 */
public final class PartitionJob extends AbstractJob {
  public static final String NAME = "partition";
  private static final Logger LOG = LoggerFactory.getLogger(PartitionJob.class);

  static final String REASON = LocationRows.REASON;

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
    PartitionInput.Validated in = PartitionInput.read(spark, raw, idCol, latCol, lonCol, o.fitSplit(), input);
    try {
      return runOnLocations(spark, jsc, o, out, input, in, latCol, lonCol, start, phases);
    } finally {
      in.unpersist();
    }
  }

  private static Result runOnLocations(SparkSession spark, JavaSparkContext jsc, PartitionOptions o, OutputDir out,
      String input, PartitionInput.Validated in, String latCol, String lonCol, long start, PhaseTimer phases) {
    Map<String, Long> rejects = in.rejects();
    long valid = in.valid();
    long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
    long read = valid + rejected;
    LOG.info("Read {} rows: {} valid, {} rejected {} ({} s)", read, valid, rejected, rejects, phases.end("read_validate"));
    if (rejected > 0) {
      jsc.setJobDescription("partition: write rejects");
      in.writeRejects(out.child("rejects"));
    }
    double fraction = read == 0 ? 1.0 : rejected / (double) read;
    if (read == 0 || valid == 0 || fraction > o.maxRejectFraction()) {
      Map<String, Object> summary = summary(o, input, read, valid, rejects, null, start);
      summary.put("status", "failed");
      out.writeJson("summary.json", summary);
      out.keepFailed(); // the rejects and the failed summary, never over an earlier output
      throw new JobFailedException(rejectMessage(input, read, rejected, rejects, in.swappable(), o, latCol, lonCol, out));
    }

    // Every valid row gets labels; only the fit rows (all, or those of --fit-split) shape the cells.
    JavaRDD<LocationBlock> blocks = in.blocks();
    long fitted = in.fitted();
    if (o.fitSplit() != null) {
      if (fitted == 0) {
        throw new JobFailedException("No valid row of " + input + " has " + PartitionOptions.SPLIT_COLUMN + " = '"
            + o.fitSplit() + "' (--" + PartitionOptions.FIT_SPLIT + "), so there is nothing to fit the cells on; "
            + "the valid rows' splits are " + in.splits());
      }
      LOG.info("Fitting the cells on the {} valid rows of split '{}'; all {} valid rows get labels", fitted, o.fitSplit(), valid);
    }

    // Fit locations as sorted leaf arrays, one per block (sorted while reading). Many small
    // input partitions are merged first: each level scan is then a handful of linear passes.
    int slots = Math.max(1, jsc.defaultParallelism());
    int partitions = (int) Math.max(slots, Math.min(blocks.getNumPartitions(), fitted / 4_000_000 + 1));
    JavaRDD<long[]> leaves = blocks.map(LocationBlock::sortedFitLeaves);
    if (blocks.getNumPartitions() > partitions) {
      leaves = leaves.coalesce(partitions).mapPartitions(PartitionJob::mergeSorted);
    }
    leaves.persist(StorageLevel.MEMORY_AND_DISK());
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
      CellStatistics stats = blocks.map(b -> {
        CellStatistics s = new CellStatistics(classCounts);
        int[] labels = new int[classCounts.length];
        for (int i = 0; i < b.size(); i++) {
          if (b.fits(i)) {
            labeler.value().labels(b.leaf(i), labels);
            s.add(labels, b.latE7(i), b.lonE7(i));
          }
        }
        return s;
      }).treeReduce(CellStatistics::merge);
      CellVocabulary vocabulary = CellVocabulary.build(partitioning, stats);
      phases.end("statistics");

      jsc.setJobDescription("partition: write cells");
      CellTables.write(spark, vocabulary, out);
      phases.end("write_cells");
      jsc.setJobDescription("partition: write labels");
      writeLabels(spark, blocks, labeler, classCounts.length, out);
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

  /** Merges sorted leaf arrays (blocks coalesced into one partition) into one sorted array. */
  private static Iterator<long[]> mergeSorted(Iterator<long[]> arrays) {
    List<long[]> all = new ArrayList<>();
    int n = 0;
    while (arrays.hasNext()) {
      long[] a = arrays.next();
      all.add(a);
      n += a.length;
    }
    long[] merged = new long[n];
    int at = 0;
    for (long[] a : all) {
      System.arraycopy(a, 0, merged, at, a.length);
      at += a.length;
    }
    return List.of(SortedLeafCounter.sortUnsigned(merged)).iterator();
  }

  /**
   * labels.parquet: id and one label per hierarchy, for every valid row. The rows are Spark's
   * own {@code UnsafeRow}s written from the blocks (the id's bytes copied as they are, the labels
   * as ints): no Java {@code String}, boxed label or {@code Row} encoder per row, which cost about
   * as much as the Parquet writing itself. {@code internalCreateDataFrame} is Spark's (internal)
   * entry point for rows in its own format, the one its file sources use.
   */
  private static void writeLabels(SparkSession spark, JavaRDD<LocationBlock> blocks, Broadcast<LeafLabeler> labeler,
      int hierarchies, OutputDir out) {
    StructType schema = new StructType().add("id", DataTypes.StringType, false);
    for (int h = 1; h <= hierarchies; h++) {
      schema = schema.add("label_h" + h, DataTypes.IntegerType, false);
    }
    JavaRDD<InternalRow> rows = blocks.flatMap(b -> new Iterator<InternalRow>() {
      private final int[] labels = new int[hierarchies];
      private final UnsafeRowWriter row = new UnsafeRowWriter(hierarchies + 1);
      private int i;

      @Override
      public boolean hasNext() {
        return i < b.size();
      }

      @Override
      public InternalRow next() {
        labeler.value().labels(b.leaf(i), labels);
        row.reset();
        row.zeroOutNullBytes();
        b.writeId(row, 0, i++);
        for (int h = 0; h < hierarchies; h++) {
          row.write(h + 1, labels[h]);
        }
        return row.getRow(); // reused: the writer copies or consumes each row before asking for the next
      }
    });
    ((org.apache.spark.sql.classic.SparkSession) spark).internalCreateDataFrame(rows.rdd(), schema, false)
        .write().parquet(out.child("labels.parquet"));
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
