package org.geodecoder.jobs.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.images.ImageSources;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.LocationRows;
import org.geodecoder.jobs.io.OutputCommit;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder ingest}: a manifest plus images (a directory tree or tar archives, on any
 * Hadoop filesystem) → sharded Parquet ({@code shards/}: id, author, lat, lon, scene3, scene16,
 * scene365, image, width, height, split), {@code rejects/} (the input row and a reason) and
 * {@code summary.json}. Every image is checked (header, completeness); nothing is dropped
 * without being counted and written out.
 */
public final class IngestJob extends AbstractJob {
  public static final String NAME = "ingest";
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);
  private static final String REASON = LocationRows.REASON;
  private static final long IMAGES_PER_PARTITION = 2_000;

  /** Shards schema (DESIGN.md §3). */
  public static final StructType SHARD_SCHEMA = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("author", DataTypes.StringType, false)
      .add("lat", DataTypes.DoubleType, false)
      .add("lon", DataTypes.DoubleType, false)
      .add("scene3", DataTypes.IntegerType, false)
      .add("scene16", DataTypes.IntegerType, false)
      .add("scene365", DataTypes.IntegerType, false)
      .add("image", DataTypes.BinaryType, false)
      .add("width", DataTypes.IntegerType, false)
      .add("height", DataTypes.IntegerType, false)
      .add("split", DataTypes.StringType, false);

  public IngestJob() {
    super(NAME, "Manifest + images (directory tree or tar archives) → sharded Parquet, rejects and summary", IngestOptions.SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    IngestOptions o = IngestOptions.parse(options);
    return spark -> run(spark, o);
  }

  /** What a run did, as in summary.json. */
  public record Result(long rowsRead, long imagesWritten, Map<String, Long> rejectsByReason, int shards,
      long trainImages, long valImages, double imagesPerSecond) {}

  public static Result run(SparkSession spark, IngestOptions o) {
    long start = System.nanoTime();
    PhaseTimer phases = new PhaseTimer();
    LOG.info("ingest: options {}", o.resolved);
    Map<String, String> inputs = new LinkedHashMap<>();
    inputs.put("--manifest", o.manifest);
    inputs.put("--images", o.images);
    OutputDir out = OutputDir.prepare(spark, o.output, o.overwrite, "--output", inputs);
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    try {
      Result result = run(spark, o, out, conf, start, phases);
      out.commit(NAME);
      return result;
    } finally {
      out.abort(); // no-op after commit or keepFailed
    }
  }

  private static Result run(SparkSession spark, IngestOptions o, OutputDir out, HadoopConf conf, long start, PhaseTimer phases) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());

    Dataset<Row> raw = InputTables.read(spark, o.manifest, o.format, "--manifest");
    String idCol = InputTables.column(raw, o.idCol, InputTables.ID_CANDIDATES, "--id-col", o.manifest);
    String latCol = InputTables.column(raw, o.latCol, InputTables.LAT_CANDIDATES, "--lat-col", o.manifest);
    String lonCol = InputTables.column(raw, o.lonCol, InputTables.LON_CANDIDATES, "--lon-col", o.manifest);
    String pathCol = InputTables.optionalColumn(raw, o.pathCol, IngestOptions.PATH_CANDIDATES, "--path-col", o.manifest, idCol);
    String authorCol = InputTables.optionalColumn(raw, o.authorCol, IngestOptions.AUTHOR_CANDIDATES, "--author-col", o.manifest, null);
    String s3 = InputTables.optionalColumn(raw, o.scene3Col, IngestOptions.SCENE3_CANDIDATES, "--scene3-col", o.manifest, null);
    String s16 = InputTables.optionalColumn(raw, o.scene16Col, IngestOptions.SCENE16_CANDIDATES, "--scene16-col", o.manifest, null);
    String s365 = InputTables.optionalColumn(raw, o.scene365Col, IngestOptions.SCENE365_CANDIDATES, "--scene365-col", o.manifest, null);
    if (s3 == null || s16 == null) {
      LOG.info("Manifest has no scene labels ({}): scene columns will be -1 and the model skips the scene loss for them",
          s3 == null ? "no S3 column" : "no S16 column");
    }
    String imagesUri = o.images != null ? o.images : defaultImages(conf, o.manifest);
    if (o.images == null) {
      OutputCommit.refuseOverlap(conf.get(), "--output", o.output, Map.of("--images (next to --manifest)", imagesUri));
    }
    boolean tar = "tar".equals(o.imagesFormat) || ("auto".equals(o.imagesFormat) && ImageSources.isTarInput(conf, imagesUri, "--images"));
    LOG.info("Reading manifest {} (id={}, lat={}, lon={}, path={}, author={}, scenes={}/{}/{}) and images from {} ({})",
        o.manifest, idCol, latCol, lonCol, pathCol, authorCol, s3, s16, s365, imagesUri, tar ? "tar archives" : "directory tree");

    jsc.setJobDescription("ingest: read and validate the manifest");
    Dataset<Row> staged = LocationRows.stage(raw, idCol, latCol, lonCol)
        .withColumn("path", normalizedPath(col("rejected." + LocationRows.quote(pathCol)).cast("string")))
        .withColumn("author", authorCol == null ? col("id") : trim(col("rejected." + LocationRows.quote(authorCol)).cast("string")))
        .withColumn("scene3", label(s3))
        .withColumn("scene16", label(s16))
        .withColumn("scene365", label(s365))
        .withColumn("input_row", col("rejected"))
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> located = LocationRows.classify(staged, "path", "author", "scene3", "scene16", "scene365", "input_row")
        .persist(StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> results = null;
    JavaRDD<Row> persisted = null;
    try {
      long rows = located.count();
      staged.unpersist();
      phases.end("manifest");
      Dataset<Row> valid = located.filter(col(REASON).isNull());
      ImageWork work = new ImageWork(o.maxSide, o.jpegQuality, o.maxImageBytes, o.split, o.maxPixels);
      StructType resultSchema = ImageWork.resultSchema(located.schema().apply("input_row").dataType());
      JavaRDD<Row> resultRows;
      long unlisted = 0;
      List<Map<String, String>> archiveErrors = new java.util.ArrayList<>();
      if (tar) {
        Dataset<Row> entries = ImageSources.tarEntries(spark, conf, imagesUri, "--images").persist(StorageLevel.MEMORY_AND_DISK());
        unlisted = entries.join(valid, entries.col("entry_path").equalTo(valid.col("path")), "left_anti").count();
        // At most one per archive: where reading it stopped.
        for (Row e : entries.filter(col("entry_error").isNotNull()).select("archive", "entry_path", "entry_error")
            .orderBy("archive").collectAsList()) {
          archiveErrors.add(Map.of("archive", e.getString(0), "member", e.getString(1), "error", e.getString(2)));
          LOG.warn("ingest: archive {} is damaged: reading stopped at member '{}' ({}); manifest rows naming later members"
              + " of it are counted as missing_file", e.getString(0), e.getString(1), e.getString(2));
        }
        Dataset<Row> joined = valid.join(entries, valid.col("path").equalTo(entries.col("entry_path")), "left");
        resultRows = joined.javaRDD().map(work::fromArchive);
      } else {
        // Small partitions (~2,000 images): bounded memory per task and per cached block.
        int parts = (int) Math.max(jsc.defaultParallelism(), Math.min(100_000, rows / IMAGES_PER_PARTITION + 1));
        resultRows = valid.repartition(parts).javaRDD().mapPartitions(work.fromDirectory(conf, imagesUri));
      }
      Dataset<Row> locationRejects = located.filter(col(REASON).isNotNull())
          .select(col("input_row"), col(REASON), lit(0L).as("in_bytes"), lit(null).cast("binary").as("image"));
      // Image bytes are read once and kept on local disk, never in a columnar memory cache
      // (its batch builders grow outside Spark's memory accounting).
      persisted = resultRows.persist(StorageLevel.DISK_ONLY());
      results = spark.createDataFrame(persisted, resultSchema);

      jsc.setJobDescription("ingest: read and check images");
      Map<String, Long> rejects = new TreeMap<>();
      long written = 0;
      long inBytes = 0;
      long outBytes = 0;
      long val = 0;
      // One pass over the images for every count, the train/val split included.
      for (Row r : results.groupBy(col(REASON), col("split"))
          .agg(expr("count(1)"), sum("in_bytes"), sum(length(col("image")))).collectAsList()) {
        if (r.isNullAt(0)) {
          written += r.getLong(2);
          inBytes += r.isNullAt(3) ? 0 : r.getLong(3);
          outBytes += r.isNullAt(4) ? 0 : r.getLong(4);
          if (AuthorSplit.VAL.equals(r.getString(1))) {
            val += r.getLong(2);
          }
        } else {
          rejects.merge(r.getString(0), r.getLong(2), Long::sum);
        }
      }
      for (Row r : locationRejects.groupBy(REASON).count().collectAsList()) {
        rejects.merge(r.getString(0), r.getLong(1), Long::sum);
      }
      double imageSeconds = phases.end("images");
      long rejected = rejects.values().stream().mapToLong(Long::longValue).sum();
      LOG.info("Checked {} rows: {} images ok ({} MB in, {} MB out), {} rejected {}", rows, written,
          inBytes >> 20, outBytes >> 20, rejected, rejects);

      if (rejected > 0) {
        jsc.setJobDescription("ingest: write rejects");
        StructType inputSchema = (StructType) located.schema().apply("input_row").dataType();
        Column[] inputCols = Arrays.stream(inputSchema.fieldNames())
            .map(f -> col("input_row." + LocationRows.quote(f)).as(f)).toArray(Column[]::new);
        Column[] withReason = Arrays.copyOf(inputCols, inputCols.length + 1);
        withReason[inputCols.length] = col(REASON);
        results.filter(col(REASON).isNotNull()).select(withReason)
            .unionByName(locationRejects.select(withReason))
            .write().parquet(out.child("rejects"));
      }
      double fraction = rows == 0 ? 1 : rejected / (double) rows;
      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("job", NAME);
      summary.put("manifest", o.manifest);
      summary.put("images", imagesUri);
      summary.put("images_layout", tar ? "tar" : "dir");
      summary.put("rows_read", rows);
      summary.put("images_written", written);
      summary.put("rows_rejected", rejected);
      summary.put("rejected_by_reason", rejects);
      summary.put("archive_members_not_in_manifest", unlisted);
      summary.put("archive_errors", archiveErrors);
      summary.put("input_bytes", inBytes);
      summary.put("output_image_bytes", outBytes);
      summary.put("images_per_second", Math.round(rows / Math.max(1e-9, imageSeconds)));
      if (rows == 0) {
        summary.put("status", "failed");
        writeSummary(out, summary, phases);
        Path kept = out.keepFailed();
        throw new JobFailedException("The manifest " + o.manifest + " has no data rows (only a header, or nothing); nothing"
            + " to ingest. The summary is in " + new Path(kept, "summary.json") + ".");
      }
      if (written == 0 || fraction > o.maxRejectFraction) {
        summary.put("status", "failed");
        writeSummary(out, summary, phases);
        Path kept = out.keepFailed();
        throw new JobFailedException(String.format(
            "%d of %d rows (%.2f%%) of %s were rejected, more than --max-reject-fraction %s allows: %s. "
                + "The rejected rows and their reasons are in %s%s.%s",
            rejected, rows, 100.0 * rejected / rows, o.manifest, o.maxRejectFraction, rejects,
            new Path(kept, "rejects"), kept.getName().endsWith(".failed") ? " (the previous output " + o.output + " is unchanged)" : "",
            archiveErrors.isEmpty() ? "" : " Damaged archives (reading stopped there; later members count as missing_file): "
                + archiveErrors.stream().map(e -> e.get("archive") + " at member '" + e.get("member") + "'").toList()));
      }

      int shards = (int) Math.max(1, Math.min(100_000, (outBytes + o.shardBytes - 1) / o.shardBytes));
      jsc.setJobDescription("ingest: write " + shards + " shards");
      results.filter(col(REASON).isNull()).select(SHARD_SCHEMA.fieldNames()[0],
              Arrays.copyOfRange(SHARD_SCHEMA.fieldNames(), 1, SHARD_SCHEMA.fieldNames().length))
          .repartition(shards, xxhash64(col("id"))).sortWithinPartitions("id")
          .write().parquet(out.child("shards"));
      phases.end("write_shards");
      double wall = (System.nanoTime() - start) / 1e9;
      summary.put("shards", shards);
      summary.put("split", Map.of(AuthorSplit.TRAIN, written - val, AuthorSplit.VAL, val));
      summary.put("status", "ok");
      writeSummary(out, summary, phases);
      LOG.info("ingest: {} images in {} shards ({} train, {} val), {} rejected, in {} s → {}", written, shards,
          written - val, val, rejected, String.format("%.1f", wall), out.target());
      return new Result(rows, written, rejects, shards, written - val, val, rows / Math.max(1e-9, imageSeconds));
    } finally {
      staged.unpersist();
      located.unpersist();
      if (persisted != null) {
        persisted.unpersist();
      }
    }
  }

  private static Column label(String column) {
    return column == null ? lit(-1) : expr("coalesce(try_cast(trim(rejected." + LocationRows.quote(column) + ") AS INT), -1)");
  }

  /** Archive members and manifests write paths as "./a/b.jpg", "/a/b.jpg" or "a/b.jpg". */
  static Column normalizedPath(Column path) {
    return regexp_replace(trim(path), "^(\\./|/)+", "");
  }

  private static String defaultImages(HadoopConf conf, String manifest) {
    Path parent = new Path(manifest).getParent();
    try {
      FileSystem fs = parent.getFileSystem(conf.get());
      for (String name : List.of("images", "tars")) {
        if (fs.exists(new Path(parent, name))) {
          return new Path(parent, name).toString();
        }
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot look for images next to " + manifest + ": " + e.getMessage(), e);
    }
    throw new JobFailedException("No --images given and no images/ or tars/ next to " + manifest + "; set --images");
  }

  private static void writeSummary(OutputDir out, Map<String, Object> summary, PhaseTimer phases) {
    summary.put("phase_seconds", phases.seconds());
    out.writeJson("summary.json", summary);
  }

}
