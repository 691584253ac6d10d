package org.geodecoder.jobs.score;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.images.ImageSources;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.InputTables;
import scala.Tuple2;

/**
 * The images to score, from any of the three layouts, as rows of one schema ({@link #SCHEMA}):
 * id, encoded image, where it came from, a reason when it could not even be read, and the true
 * location and scene labels when the input carries them.
 *
 * <ul>
 *   <li>{@code shards}: ingest's Parquet (id, image, lat, lon, scene3, scene16, …, split); the
 *       id is the shard's id, lat/lon become true_lat/true_lon. Read in Parquet's own splits.
 *   <li>{@code dir}: every non-hidden file of a directory tree; the id is the path relative to
 *       the root. Files are listed in parallel, sorted by path and cut into equal contiguous
 *       ranges, one per task, each read lazily, one file at a time.
 *   <li>{@code tar}: every member of a .tar file or a directory of them; the id is the member
 *       path. One task per archive, streamed.
 * </ul>
 *
 * Every layout gives the same partitions, in the same order, for the same input and options, so
 * the batches (and so the predictions) are reproducible.
 */
public final class ScoreInput {
  public static final int ID = 0;
  public static final int IMAGE = 1;
  public static final int SOURCE = 2;
  public static final int REASON = 3;
  public static final int DETAIL = 4;
  public static final int TRUE_LAT = 5;
  public static final int TRUE_LON = 6;
  public static final int SCENE3 = 7;
  public static final int SCENE16 = 8;

  public static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("image", DataTypes.BinaryType, true)
      .add("source", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("true_lat", DataTypes.DoubleType, true)
      .add("true_lon", DataTypes.DoubleType, true)
      .add("scene3", DataTypes.IntegerType, true)
      .add("scene16", DataTypes.IntegerType, true);

  /** Images per task of a directory tree when --partitions is not set. */
  static final long IMAGES_PER_PARTITION = 2_000;

  private ScoreInput() {}

  /** Where the images are and in which layout. */
  public record Located(String format, String uri) {}

  /**
   * The images to score.
   *
   * @param listed files found (dir), or -1 when not counted before scoring
   * @param release frees what was cached to plan the read
   */
  public record Source(Located location, JavaRDD<Row> rows, boolean truth, boolean scenes, long listed, Runnable release) {
    public int partitions() {
      return rows.getNumPartitions();
    }
  }

  /**
   * Resolves {@code --input-format auto}: a .tar file or a directory holding .tar files is
   * {@code tar}; a .parquet file or a directory of .parquet files is {@code shards}, and so is an
   * ingest output directory (its {@code shards/}); anything else is a {@code dir} tree.
   */
  public static Located locate(HadoopConf conf, String uri, String format) {
    Path p = new Path(uri);
    try {
      FileSystem fs = p.getFileSystem(conf.get());
      if (!fs.exists(p)) {
        throw new JobFailedException("Input " + uri + " (--input) does not exist");
      }
      FileStatus st = fs.getFileStatus(p);
      Path shardsChild = new Path(p, "shards");
      boolean ingestOutput = st.isDirectory() && !hasFile(fs, p, ".parquet") && fs.exists(shardsChild)
          && hasFile(fs, shardsChild, ".parquet");
      if (!"auto".equals(format)) {
        return "shards".equals(format) && ingestOutput ? new Located(format, shardsChild.toString()) : new Located(format, uri);
      }
      String name = p.getName().toLowerCase(Locale.ROOT);
      if (st.isFile()) {
        return new Located(name.endsWith(".tar") ? "tar" : name.endsWith(".parquet") ? "shards" : "dir", uri);
      }
      if (hasFile(fs, p, ".parquet")) {
        return new Located("shards", uri);
      }
      if (ingestOutput) {
        return new Located("shards", shardsChild.toString());
      }
      return new Located(hasFile(fs, p, ".tar") ? "tar" : "dir", uri);
    } catch (IOException e) {
      throw new JobFailedException("Cannot access " + uri + " (--input): " + e.getMessage(), e);
    }
  }

  private static boolean hasFile(FileSystem fs, Path dir, String suffix) throws IOException {
    for (FileStatus f : fs.listStatus(dir)) {
      if (f.isFile() && f.getPath().getName().toLowerCase(Locale.ROOT).endsWith(suffix)) {
        return true;
      }
    }
    return false;
  }

  /** Cross-checks the options against the input found: only shards have a split. */
  static void check(Located at, ScoreJob.Options o) {
    if (!"shards".equals(at.format()) && !"all".equals(o.split())) {
      throw new OptionException("Cannot set --split (spark.geodecoder.score.split) to '" + o.split() + "': input " + o.input()
          + " is " + ("tar".equals(at.format()) ? "tar archives" : "a directory tree") + ", which has no split; --split applies to shards");
    }
  }

  /** Opens a located input. */
  static Source open(SparkSession spark, HadoopConf conf, Located at, ScoreJob.Options o) {
    return open(spark, conf, at, o.split(), o.partitions(), o.maxImageBytes());
  }

  /**
   * Opens a located input.
   *
   * @param split shards only: all, train or val
   * @param partitions tasks; 0 for the layout's default
   * @param maxImageBytes larger files become {@code file_too_large} rejects
   */
  public static Source open(SparkSession spark, HadoopConf conf, Located at, String split, int partitions,
      long maxImageBytes) {
    switch (at.format()) {
      case "shards":
        return shards(spark, at, split, partitions);
      case "tar":
        return tar(spark, conf, at, partitions);
      default:
        return directory(spark, conf, at, partitions, maxImageBytes);
    }
  }

  private static Source shards(SparkSession spark, Located at, String split, int partitions) {
    Dataset<Row> raw = InputTables.read(spark, at.uri(), "parquet", "--input");
    StructType s = raw.schema();
    require(s, "id", StringType.class, "string", at.uri());
    require(s, "image", BinaryType.class, "binary (encoded JPEG/PNG)", at.uri());
    boolean truth = numeric(s, "lat", at.uri()) & numeric(s, "lon", at.uri());
    boolean scenes = numeric(s, "scene3", at.uri()) & numeric(s, "scene16", at.uri());
    if (!"all".equals(split)) {
      if (!has(s, "split")) {
        throw new OptionException("Cannot set --split to '" + split + "': shards " + at.uri()
            + " have no split column; their columns are " + List.of(s.fieldNames()));
      }
      raw = raw.filter(col("split").equalTo(split));
    }
    if (partitions > 0) {
      // Hash-partitioned then sorted: the same rows in the same order whatever the shuffle.
      raw = raw.withColumn("_source", input_file_name())
          .repartition(partitions, xxhash64(col("id"))).sortWithinPartitions("id", "_source");
    } else {
      raw = raw.withColumn("_source", input_file_name());
    }
    Dataset<Row> rows = raw.select(col("id"), col("image"), col("_source").as("source"),
        lit(null).cast("string").as("reason"), lit(null).cast("string").as("detail"),
        truth ? col("lat").cast("double") : lit(null).cast("double"),
        truth ? col("lon").cast("double") : lit(null).cast("double"),
        scenes ? col("scene3").cast("int") : lit(null).cast("int"),
        scenes ? col("scene16").cast("int") : lit(null).cast("int"));
    return new Source(at, rows.javaRDD(), truth, scenes, -1, () -> { });
  }

  private static Source tar(SparkSession spark, HadoopConf conf, Located at, int partitions) {
    Dataset<Row> entries = ImageSources.tarEntries(spark, conf, at.uri(), "--input");
    if (partitions > 0) {
      entries = entries.repartition(partitions, xxhash64(col("entry_path")))
          .sortWithinPartitions("entry_path", "archive");
    }
    Column reason = when(col("entry_error").isNotNull(), lit(ImageProbe.Reason.CORRUPT_ARCHIVE_MEMBER.code));
    Dataset<Row> rows = entries.select(col("entry_path").as("id"), col("data").as("image"), col("archive").as("source"),
        reason.as("reason"), col("entry_error").as("detail"), lit(null).cast("double"), lit(null).cast("double"),
        lit(null).cast("int"), lit(null).cast("int"));
    return new Source(at, rows.javaRDD(), false, false, -1, () -> { });
  }

  private static Source directory(SparkSession spark, HadoopConf conf, Located at, int partitions, long maxImageBytes) {
    ImageSources.FileListing listing = ImageSources.listFiles(spark, conf, at.uri(), "--input");
    Dataset<Row> files = listing.files().persist(StorageLevel.MEMORY_AND_DISK());
    long n = files.count();
    if (n == 0) {
      files.unpersist();
      throw new JobFailedException("No files in " + at.uri() + " (--input)");
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    long auto = Math.max(jsc.defaultParallelism(), Math.min(100_000, (n + IMAGES_PER_PARTITION - 1) / IMAGES_PER_PARTITION));
    int parts = (int) Math.max(1, Math.min(n, partitions > 0 ? partitions : auto));
    JavaRDD<String> paths = contiguousRanges(files, n, parts);
    JavaRDD<Row> rows = paths.mapPartitions(readFiles(conf, listing.root(), maxImageBytes));
    return new Source(at, rows, false, false, n, files::unpersist);
  }

  /**
   * Paths sorted, cut into {@code parts} contiguous ranges of equal size: partition j holds the
   * ranks [j·m, (j+1)·m), m = ⌈n / parts⌉. Exact, unlike range partitioning (whose bounds come
   * from a sample), so a rerun batches the same images together.
   */
  static JavaRDD<String> contiguousRanges(Dataset<Row> files, long n, int parts) {
    long per = (n + parts - 1) / parts;
    return files.orderBy("path").javaRDD().map(r -> r.getString(0)).zipWithIndex()
        .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
        .repartitionAndSortWithinPartitions(new RankRanges(parts, per))
        .values();
  }

  /** Rank → partition rank / per. */
  static final class RankRanges extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int parts;
    private final long per;

    RankRanges(int parts, long per) {
      this.parts = parts;
      this.per = per;
    }

    @Override
    public int numPartitions() {
      return parts;
    }

    @Override
    public int getPartition(Object key) {
      return (int) Math.min(parts - 1, (Long) key / per);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof RankRanges r && r.parts == parts && r.per == per;
    }

    @Override
    public int hashCode() {
      return Long.hashCode(per) * 31 + parts;
    }
  }

  /** Relative paths → input rows, reading each file when its row is pulled. */
  static FlatMapFunction<Iterator<String>, Row> readFiles(HadoopConf conf, String root, long maxBytes) {
    return paths -> {
      Path base = new Path(root);
      FileSystem fs = base.getFileSystem(conf.get());
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return paths.hasNext();
        }

        @Override
        public Row next() {
          String path = paths.next();
          Path file;
          try {
            file = new Path(base, path);
          } catch (IllegalArgumentException e) {
            return RowFactory.create(path, null, root + "/" + path, ImageProbe.Reason.UNREADABLE_FILE.code,
                "not a valid Hadoop path: " + e.getMessage(), null, null, null, null);
          }
          ImageSources.FileRead read = ImageSources.readFile(fs, file, maxBytes);
          String reason = read.reason() == null ? null : read.reason().code;
          String detail = read.reason() == ImageProbe.Reason.TOO_LARGE ? read.length() + " bytes" : null;
          return RowFactory.create(path, read.bytes(), file.toString(), reason, detail, null, null, null, null);
        }
      };
    };
  }

  private static boolean has(StructType s, String name) {
    return List.of(s.fieldNames()).contains(name);
  }

  private static void require(StructType s, String name, Class<? extends DataType> type, String expected, String uri) {
    if (!has(s, name)) {
      throw new JobFailedException("Input " + uri + " (--input) has no column '" + name + "' (" + expected
          + "); its columns are " + List.of(s.fieldNames()) + ". Shards are written by the ingest job");
    }
    DataType actual = s.apply(name).dataType();
    if (!type.isInstance(actual)) {
      throw new JobFailedException("Input " + uri + " (--input): column '" + name + "' must be " + expected + ", is "
          + actual.simpleString());
    }
  }

  /** Whether an optional numeric column is present (present with another type is an error). */
  private static boolean numeric(StructType s, String name, String uri) {
    if (!has(s, name)) {
      return false;
    }
    StructField f = s.apply(name);
    if (!(f.dataType() instanceof NumericType)) {
      throw new JobFailedException("Input " + uri + " (--input): column '" + name + "' must be numeric, is "
          + f.dataType().simpleString());
    }
    return true;
  }
}
