package org.geodecoder.jobs.partition;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
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
import org.geodecoder.jobs.cli.Job;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.InputTables;
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
public final class PartitionJob implements Job {
  public static final String NAME = "partition";
  private static final Logger LOG = LoggerFactory.getLogger(PartitionJob.class);

  static final String REASON = "reason";

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String summary() {
    return "Compute the adaptive S2 cell hierarchies (classes) and per-image labels";
  }

  @Override
  public List<OptionSpec> options() {
    return PartitionOptions.SPECS;
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
    OutputDir out = OutputDir.prepare(spark, o.output(), o.overwrite(), "--output");

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
    Dataset<Row> staged = stage(raw, idCol, latCol, lonCol).persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> classified = null;
    try {
      jsc.setJobDescription("partition: find duplicate ids");
      classified = classify(staged).persist(StorageLevel.MEMORY_AND_DISK());
      return runOnClassified(spark, jsc, o, out, input, classified, staged, latCol, lonCol, start, phases);
    } finally {
      staged.unpersist();
      if (classified != null) {
        classified.unpersist();
      }
    }
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
      writeSummary(out, summary);
      throw new JobFailedException(rejectMessage(input, read, rejected, rejects, swappable, o, latCol, lonCol, out));
    }

    // Valid locations as one sorted leaf array per partition: the data of the level walk.
    Dataset<Row> locations = classified.filter(col(REASON).isNull()).select("id", "lat_d", "lon_d");
    // One sorted array per task slot: each level scan is then a handful of linear passes.
    int slots = Math.max(1, jsc.defaultParallelism());
    int partitions = (int) Math.max(slots, Math.min(locations.rdd().getNumPartitions(), valid / 4_000_000 + 1));
    JavaRDD<long[]> leaves = locations.javaRDD().coalesce(partitions).mapPartitions(rows -> {
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
      CellStatistics stats = locations.javaRDD().mapPartitions(rows -> {
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
      summary.put("level_scans", counter.levelsCounted());
      summary.put("phase_seconds", phases.seconds());
      writeSummary(out, summary);
      double wall = (System.nanoTime() - start) / 1e9;
      for (int h = 0; h < kept.length; h++) {
        LOG.info("Hierarchy {} (tmax {}): {} classes, {} of {} images kept", h + 1, o.params().tmax(h), classCounts[h], kept[h], valid);
      }
      LOG.info("partition: done in {} s; output in {}", String.format("%.1f", wall), out.root());
      return new Result(read, valid, rejects, classCounts, kept, wall);
    } finally {
      leaves.unpersist();
    }
  }

  /**
   * Row-level validation: {@code id}, {@code lat_d}, {@code lon_d}, {@code row_reason} (null
   * when the row itself is valid) and {@code rejected} (the input row as a struct).
   */
  public static Dataset<Row> stage(Dataset<Row> raw, String idCol, String latCol, String lonCol) {
    StructType schema = raw.schema();
    Column id = trim(raw.col(quote(idCol)).cast("string"));
    Column latText = text(raw, latCol);
    Column lonText = text(raw, lonCol);
    Column lat = number(raw, schema, latCol);
    Column lon = number(raw, schema, lonCol);
    Column rowReason = when(id.isNull().or(id.equalTo("")), lit("missing_id"))
        .when(latText.isNull().or(latText.equalTo("")), lit("missing_latitude"))
        .when(lonText.isNull().or(lonText.equalTo("")), lit("missing_longitude"))
        .when(lat.isNull(), lit("non_numeric_latitude"))
        .when(lon.isNull(), lit("non_numeric_longitude"))
        .when(isnan(lat), lit("nan_latitude"))
        .when(isnan(lon), lit("nan_longitude"))
        .when(lat.lt(-90).or(lat.gt(90)), lit("latitude_out_of_range"))
        .when(lon.lt(-180).or(lon.gt(180)), lit("longitude_out_of_range"));
    Column[] originals = Arrays.stream(raw.columns()).map(c -> raw.col(quote(c))).toArray(Column[]::new);
    return raw.select(
        id.as("id"), lat.as("lat_d"), lon.as("lon_d"), rowReason.as("row_reason"), struct(originals).as("rejected"));
  }

  /**
   * Final classification of staged rows: adds {@code reason} (null when valid), including
   * duplicate ids, and {@code swappable} (an out-of-range latitude that would be valid with the
   * columns swapped); {@code rejected} is kept for rejected rows only.
   *
   * <p>Duplicates: a hash aggregation over 64-bit hashes of the ids (8-byte shuffle records)
   * finds the few candidate ids; only rows with a candidate hash are grouped by their real id
   * and ranked. Identical copies keep one (always the same one, whatever the input order);
   * copies that disagree on the location are all rejected.
   */
  public static Dataset<Row> classify(Dataset<Row> staged) {
    Column ok = col("row_reason").isNull();
    Dataset<Row> candidates = staged.filter(ok).groupBy(xxhash64(col("id")).as("id_hash")).count()
        .filter(col("count").gt(1)).select(col("id_hash"), lit(true).as("candidate"));
    long candidateCount = candidates.count();
    Dataset<Row> joined = staged.join(
        candidateCount <= 1_000_000 ? org.apache.spark.sql.functions.broadcast(candidates) : candidates,
        xxhash64(staged.col("id")).equalTo(col("id_hash")), "left");
    Column isCandidate = ok.and(col("candidate").isNotNull());

    Dataset<Row> single = joined.filter(org.apache.spark.sql.functions.not(isCandidate)).withColumn(REASON, col("row_reason"));
    WindowSpec byId = Window.partitionBy(col("id"));
    WindowSpec byIdOrdered = byId.orderBy(xxhash64(col("rejected")), col("lat_d"), col("lon_d"));
    Column copies = sum(lit(1)).over(byId);
    Column sameLocation = min(col("lat_d")).over(byId).equalTo(max(col("lat_d")).over(byId))
        .and(min(col("lon_d")).over(byId).equalTo(max(col("lon_d")).over(byId)));
    Dataset<Row> ranked = joined.filter(isCandidate).withColumn(REASON,
        when(copies.gt(1), when(sameLocation, when(row_number().over(byIdOrdered).gt(1), lit("duplicate_id")))
            .otherwise(lit("duplicate_id_conflicting_location"))));
    return single.unionByName(ranked).select(
        col("id"), col("lat_d"), col("lon_d"), col(REASON),
        when(col("row_reason").equalTo("latitude_out_of_range"),
            abs(col("lat_d")).leq(180).and(abs(col("lon_d")).leq(90))).as("swappable"),
        when(col(REASON).isNotNull(), col("rejected")).as("rejected"));
  }

  private static Column text(Dataset<Row> raw, String c) {
    return trim(raw.col(quote(c)).cast("string"));
  }

  private static Column number(Dataset<Row> raw, StructType schema, String c) {
    if (schema.apply(c).dataType() instanceof NumericType) {
      return raw.col(quote(c)).cast("double");
    }
    // try_cast: a malformed value becomes null (a reject), not a failed job under ANSI mode.
    return expr("try_cast(trim(" + quote(c) + ") AS DOUBLE)");
  }

  private static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
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

  private static void writeSummary(OutputDir out, Map<String, Object> summary) {
    try {
      out.writeText("summary.json", new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(summary) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialize summary", e);
    }
  }
}
