package org.geodecoder.jobs.partition;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.LocationRows;

/**
 * The partition job's input path: one pass over the id and coordinate columns that validates
 * every row, computes its S2 leaf cell and keeps the valid rows as {@link LocationBlock}s (the
 * job's only cached copy of the input); one shuffle of 8-byte id hashes for duplicates; and,
 * only when some row was rejected or some id hash repeats, one more pass that reads the
 * rejected and candidate rows in full (their raw text goes to {@code rejects/}).
 *
 * <p>The checks are {@link LocationRows#stage}'s, so the partition and ingest jobs reject the
 * same rows for the same reasons, and duplicate ids are resolved by {@link LocationRows#classify}
 * on the few candidate rows: outputs are those of validating every row with them. The main
 * pass selects only the id, latitude, longitude (and split) columns: Spark's CSV and Parquet
 * readers then parse nothing else, and Spark parses the coordinates into doubles
 * ({@code try_cast}, malformed text becoming a reject, not a failed job).
 *
 * <p>Plain CSV files without --fit-split first take {@link PlainCsvInput}'s fast path (text
 * lines parsed straight into blocks, the same blocks); when it finds a line it cannot decide or
 * that would be rejected, the input is read again through Spark's CSV reader as above.
 */
final class PartitionInput {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(PartitionInput.class);
  /** Staged column with --fit-split: the row's split (whether it shapes the cells). */
  static final String SPLIT = "fit_split_value";
  private static final String REASON = LocationRows.REASON;

  private PartitionInput() {}

  /** Valid locations as blocks, with the reject counts; {@link #unpersist} when done. */
  static final class Validated {
    private final Dataset<Row> staged;
    private final JavaRDD<LocationBlock> blocks;
    private final Dataset<Row> exceptions;
    private final Map<String, Long> rejects;
    private final long valid;
    private final long fitted;
    private final long swappable;

    private Validated(Dataset<Row> staged, JavaRDD<LocationBlock> blocks, Dataset<Row> exceptions,
        Map<String, Long> rejects, long valid, long fitted, long swappable) {
      this.staged = staged;
      this.blocks = blocks;
      this.exceptions = exceptions;
      this.rejects = rejects;
      this.valid = valid;
      this.fitted = fitted;
      this.swappable = swappable;
    }

    JavaRDD<LocationBlock> blocks() {
      return blocks;
    }

    /** Rejected rows by reason (empty when none). */
    Map<String, Long> rejects() {
      return rejects;
    }

    long valid() {
      return valid;
    }

    /** Valid rows that shape the cells: all, or those of --fit-split. */
    long fitted() {
      return fitted;
    }

    /** Rejected rows with an out-of-range latitude that would be valid with lat/lon swapped. */
    long swappable() {
      return swappable;
    }

    /** Writes the rejected rows as read (every input column) plus their reason. */
    void writeRejects(String uri) {
      if (exceptions != null) {
        exceptions.filter(col(REASON).isNotNull()).select(col("rejected.*"), col(REASON)).write().parquet(uri);
      }
    }

    /** The split values of the row-valid rows, for the "nothing to fit" error (one more pass). */
    List<String> splits() {
      List<String> splits = new ArrayList<>();
      for (Row r : staged.filter(col("row_reason").isNull()).select(col(SPLIT)).distinct().limit(20).collectAsList()) {
        splits.add(r.isNullAt(0) ? "null" : "'" + r.get(0) + "'");
      }
      splits.sort(null);
      return splits;
    }

    void unpersist() {
      blocks.unpersist(false);
      if (exceptions != null) {
        exceptions.unpersist();
      }
    }
  }

  /**
   * Reads and validates; {@code fitSplit} null means every valid row shapes the cells.
   *
   * @throws JobFailedException when --fit-split is given and the input has no split column
   */
  static Validated read(SparkSession spark, Dataset<Row> raw, String idCol, String latCol, String lonCol,
      String fitSplit, String input) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    boolean withFits = fitSplit != null;
    Column fit = withFits ? coalesce(col(SPLIT).equalTo(lit(fitSplit)), lit(false)) : lit(true);
    int slots = Math.max(1, jsc.defaultParallelism());
    // The staged table (Spark's CSV or Parquet reader and the checks) is only planned when it is
    // read: always without the fast path, else only for rejects or repeated ids.
    Dataset<Row> staged = null;
    JavaRDD<LocationBlock> firstBlocks = withFits || !isCsv(raw) ? null : plainCsvBlocks(spark, raw, idCol, latCol, lonCol, input);
    long[] counts;
    if (firstBlocks != null) {
      counts = counts(firstBlocks);
    } else {
      staged = withSplit(LocationRows.stage(raw, idCol, latCol, lonCol), raw, fitSplit, input);
      // Only these columns are read: the wide `rejected` struct of stage() is pruned away.
      Dataset<Row> narrow = staged.select(col("id"), col("lat_d"), col("lon_d"), col("row_reason"),
          xxhash64(col("id")), fit);
      firstBlocks = toBlocks(narrow, withFits).persist(StorageLevel.MEMORY_AND_DISK());
      jsc.setJobDescription("partition: read and validate " + input);
      counts = counts(firstBlocks);
    }
    jsc.setJobDescription("partition: find repeated id hashes in " + input);
    long[] repeated = DuplicateIds.repeatedHashes(firstBlocks, Math.max(slots, firstBlocks.getNumPartitions() / 8));
    long rowRejects = counts[2];
    if (rowRejects == 0 && repeated.length == 0) {
      return new Validated(staged, firstBlocks, null, new TreeMap<>(), counts[0], counts[1], 0);
    }

    // Some rows need their full text (rejects) or their real id (repeated hashes): read those again.
    if (staged == null) {
      staged = LocationRows.stage(raw, idCol, latCol, lonCol);
    }
    jsc.setJobDescription("partition: read the rejected rows and the " + repeated.length + " repeated id hashes");
    Dataset<Row> exceptional = staged.filter(col("row_reason").isNotNull());
    if (repeated.length > 0) {
      Dataset<Row> hashes = spark.createDataset(Arrays.stream(repeated).boxed().toList(), Encoders.LONG())
          .toDF("repeated_hash");
      exceptional = staged.join(broadcast(hashes), xxhash64(staged.col("id")).equalTo(col("repeated_hash")), "left")
          .filter(col("row_reason").isNotNull().or(col("repeated_hash").isNotNull())).drop("repeated_hash");
    }
    String[] carry = withFits ? new String[] {SPLIT} : new String[0];
    Dataset<Row> exceptions = LocationRows.classify(exceptional, carry).persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> rejects = new TreeMap<>();
    long swappable = 0;
    for (Row r : exceptions.filter(col(REASON).isNotNull()).groupBy(col(REASON), col("swappable")).count().collectAsList()) {
      rejects.merge(r.getString(0), r.getLong(2), Long::sum);
      if (!r.isNullAt(1) && r.getBoolean(1)) {
        swappable += r.getLong(2);
      }
    }
    JavaRDD<LocationBlock> blocks = firstBlocks;
    if (repeated.length > 0) {
      // Candidate rows leave the blocks; the ones classify() kept (one copy per id) come back.
      Broadcast<long[]> repeatedB = jsc.broadcast(repeated);
      Dataset<Row> kept = exceptions.filter(col(REASON).isNull())
          .select(col("id"), col("lat_d"), col("lon_d"), lit(null).cast("string"), xxhash64(col("id")), fit);
      blocks = firstBlocks.map(b -> b.without(repeatedB.value())).union(toBlocks(kept, withFits).coalesce(1))
          .persist(StorageLevel.MEMORY_AND_DISK());
    }
    counts = blocks == firstBlocks ? counts : counts(blocks);
    if (blocks != firstBlocks) {
      firstBlocks.unpersist(false);
    }
    return new Validated(staged, blocks, exceptions, rejects, counts[0], counts[1], swappable);
  }

  /** The Spark path's blocks of every row (no --fit-split), as {@link #read} builds them; for tests. */
  static JavaRDD<LocationBlock> sparkBlocks(Dataset<Row> raw, String idCol, String latCol, String lonCol) {
    Dataset<Row> staged = LocationRows.stage(raw, idCol, latCol, lonCol);
    return toBlocks(staged.select(col("id"), col("lat_d"), col("lon_d"), col("row_reason"), xxhash64(col("id")), lit(true)), false);
  }

  /** {valid rows, fit rows, row rejects, skipped header lines} of the blocks. */
  static long[] counts(JavaRDD<LocationBlock> blocks) {
    return blocks.map(b -> new long[] {b.size(), b.fitCount(), b.rowRejects(), b.headerLines()})
        .reduce((a, b) -> new long[] {a[0] + b[0], a[1] + b[1], a[2] + b[2], a[3] + b[3]});
  }

  /**
   * The blocks of {@link PlainCsvInput}'s fast path, read and cached, when the input qualifies
   * and every line is a valid row (or one header per file); otherwise null, and the Spark CSV
   * path reads the input (it gives rejects their reasons and raw text).
   */
  private static JavaRDD<LocationBlock> plainCsvBlocks(SparkSession spark, Dataset<Row> raw, String idCol, String latCol,
      String lonCol, String input) {
    PlainCsvInput.Read fast = PlainCsvInput.blocks(spark, raw, idCol, latCol, lonCol);
    if (fast == null) {
      return null;
    }
    JavaSparkContext.fromSparkContext(spark.sparkContext()).setJobDescription("partition: read and validate " + input + " (plain CSV)");
    JavaRDD<LocationBlock> blocks = fast.blocks().persist(StorageLevel.MEMORY_AND_DISK());
    long[] counts = counts(blocks);
    if (counts[2] == 0 && counts[3] == fast.files()) {
      return blocks;
    }
    LOG.info("{} has {} lines the plain CSV path leaves to Spark's CSV reader ({} header lines in {} files): reading it again with it",
        input, counts[2], counts[3], fast.files());
    blocks.unpersist(false);
    return null;
  }

  /** Whether {@code raw} is a scan of CSV files (the fast path's input). */
  private static boolean isCsv(Dataset<Row> raw) {
    return raw.queryExecution().analyzed() instanceof org.apache.spark.sql.execution.datasources.LogicalRelation r
        && r.relation() instanceof org.apache.spark.sql.execution.datasources.HadoopFsRelation fs
        && fs.fileFormat() instanceof org.apache.spark.sql.execution.datasources.csv.CSVFileFormat;
  }

  /**
   * One block per partition of {@code rows}: (id, lat_d, lon_d, row_reason, id hash, fit).
   * Reads Spark's internal rows: no conversion of every row into a Java {@code Row}.
   */
  private static JavaRDD<LocationBlock> toBlocks(Dataset<Row> rows, boolean withFits) {
    return rows.queryExecution().toRdd().toJavaRDD().mapPartitions((Iterator<InternalRow> it) -> {
      LocationBlock.Builder b = new LocationBlock.Builder(withFits, 1 << 14);
      while (it.hasNext()) {
        InternalRow r = it.next();
        if (!r.isNullAt(3)) {
          b.rowRejects++;
        } else {
          b.add(r.getUTF8String(0), r.getDouble(1), r.getDouble(2), r.getLong(4), r.getBoolean(5));
        }
      }
      return List.of(b.build()).iterator();
    });
  }

  /** With --fit-split, adds {@link #SPLIT}; without it every row shapes the cells and nothing is added. */
  private static Dataset<Row> withSplit(Dataset<Row> staged, Dataset<Row> raw, String fitSplit, String input) {
    if (fitSplit == null) {
      return staged;
    }
    if (!Arrays.asList(raw.columns()).contains(PartitionOptions.SPLIT_COLUMN)) {
      throw new JobFailedException("--" + PartitionOptions.FIT_SPLIT + " " + fitSplit + " needs a '"
          + PartitionOptions.SPLIT_COLUMN + "' column in " + input + ", which has " + Arrays.toString(raw.columns())
          + " (ingest's shards have one)");
    }
    return staged.withColumn(SPLIT, col("rejected." + LocationRows.quote(PartitionOptions.SPLIT_COLUMN)).cast("string"));
  }
}
