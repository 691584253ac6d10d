package org.geodecoder.jobs.synth;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.OutputDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder synth}: a learnable, geographically realistic synthetic dataset written
 * exactly as a user brings real data: an MP-16-layout {@code manifest.csv} and JPEG files in a
 * directory tree ({@code images/}) and/or tar archives ({@code tars/part-NNNNN.tar}).
 */
public final class SynthJob extends AbstractJob {
  public static final String NAME = "synth";
  private static final Logger LOG = LoggerFactory.getLogger(SynthJob.class);
  public static final String MANIFEST = "manifest.csv";

  static final StructType MANIFEST_SCHEMA = new StructType()
      .add("IMG_ID", DataTypes.StringType, false)
      .add("AUTHOR", DataTypes.StringType, false)
      .add("LAT", DataTypes.DoubleType, false)
      .add("LON", DataTypes.DoubleType, false)
      .add("S3_Label", DataTypes.IntegerType, false)
      .add("S16_Label", DataTypes.IntegerType, false)
      .add("S365_Label", DataTypes.IntegerType, false)
      .add("CITY", DataTypes.StringType, false);

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.withDefault("output", "demo-output/synth", "output directory (any Hadoop URI)"),
      OptionSpec.withDefault("count", 2000, "number of images"),
      OptionSpec.withDefault("seed", 42, "random seed; the same seed gives the same dataset"),
      OptionSpec.withDefault("distribution", "photo", "photo (clustered like Flickr) or uniform (GWS15k-like: country by area, city, 5 km)"),
      OptionSpec.withDefault("image-size", 128, "image side in pixels"),
      OptionSpec.withDefault("jpeg-quality", 0.9, "JPEG quality in (0, 1]"),
      OptionSpec.withDefault("layout", "dir", "dir (images/ tree), tar (tars/*.tar) or both"),
      OptionSpec.withDefault("first-index", 0, "index of the first image (disjoint ranges give disjoint datasets)"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"));

  public SynthJob() {
    super(NAME, "Generate a synthetic, learnable geo-image dataset (MP-16 manifest + JPEGs, dir and/or tar)", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, options);
    String output = r.requiredString("output");
    long count = r.longValue("count", 1);
    long seed = r.longValue("seed", Long.MIN_VALUE);
    String distribution = r.choice("distribution", "photo", "uniform");
    int size = r.integer("image-size", 16, 4096);
    double quality = r.doubleValue("jpeg-quality", 0.01, 1.0);
    String layout = r.choice("layout", "dir", "tar", "both");
    long first = r.longValue("first-index", 0);
    boolean overwrite = r.bool("overwrite") || !r.isSet("output");
    return spark -> run(spark, output, overwrite, new SynthGenerator(seed, distribution, size, (float) quality), first, count, layout);
  }

  /** Generates images {@code first .. first+count-1}; returns the output directory. */
  public static OutputDir run(SparkSession spark, String output, boolean overwrite, SynthGenerator generator,
      long first, long count, String layout) {
    long t0 = System.nanoTime();
    OutputDir out = OutputDir.prepare(spark, output, overwrite, "--output");
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    String root = out.root().toString();
    boolean dir = !layout.equals("tar");
    boolean tar = !layout.equals("dir");
    int partitions = (int) Math.max(1, Math.min(256, count / 500 + 1));
    spark.sparkContext().setJobDescription("synth: render " + count + " images");
    JavaRDD<Row> rows = spark.range(first, first + count, 1, partitions).javaRDD()
        .mapPartitionsWithIndex((part, ids) -> render(part, ids, generator, conf, root, dir, tar), false);
    String tmp = root + "/_manifest_tmp";
    spark.createDataFrame(rows, MANIFEST_SCHEMA).repartition(1).sortWithinPartitions("IMG_ID")
        .write().option("header", "true").csv(tmp);
    moveSingleCsv(conf, tmp, root + "/" + MANIFEST);
    out.commit(NAME);
    LOG.info("synth: {} images ({} layout) in {} s → {}", count, layout,
        String.format("%.1f", (System.nanoTime() - t0) / 1e9), out.root());
    return out;
  }

  private static Iterator<Row> render(int part, Iterator<Long> ids, SynthGenerator generator, HadoopConf conf,
      String root, boolean dir, boolean tar) throws IOException {
    List<Row> rows = new ArrayList<>();
    FileSystem fs = new Path(root).getFileSystem(conf.get());
    ImageFiles images = new ImageFiles(fs, root);
    TarArchiveOutputStream tarOut = tar
        ? new TarArchiveOutputStream(fs.create(new Path(root, String.format("tars/part-%05d.tar", part)), true))
        : null;
    try {
      while (ids.hasNext()) {
        SynthGenerator.Photo p = generator.photo(ids.next());
        if (dir) {
          images.write("images/" + p.id(), p.jpeg());
        }
        if (tarOut != null) {
          TarArchiveEntry e = new TarArchiveEntry(p.id());
          e.setSize(p.jpeg().length);
          tarOut.putArchiveEntry(e);
          tarOut.write(p.jpeg());
          tarOut.closeArchiveEntry();
        }
        rows.add(RowFactory.create(p.id(), p.author(), p.latDegrees(), p.lonDegrees(), p.scene3(), p.scene16(),
            p.scene365(), p.city()));
      }
    } finally {
      if (tarOut != null) {
        tarOut.close();
      }
    }
    return rows.iterator();
  }

  /**
   * Writes the image files. On a local disk through java.nio (written by hand): without its
   * native library, Hadoop's local file system forks a {@code chmod} process for every file and
   * directory it creates, and writes a {@code .crc} file beside each, which cost more than
   * rendering the image. Elsewhere (HDFS, S3A) through Hadoop.
   */
  private static final class ImageFiles {
    private final FileSystem fs;
    private final LocalFileSystem local;
    private final String root;

    ImageFiles(FileSystem fs, String root) {
      this.fs = fs;
      this.local = fs instanceof LocalFileSystem l ? l : null;
      this.root = root;
    }

    void write(String relative, byte[] bytes) throws IOException {
      Path path = new Path(root, relative);
      if (local != null) {
        java.nio.file.Path file = local.pathToFile(path).toPath();
        java.nio.file.Files.createDirectories(file.getParent());
        java.nio.file.Files.write(file, bytes);
      } else {
        try (OutputStream o = fs.create(path, true)) {
          o.write(bytes);
        }
      }
    }
  }

  /** Spark writes a directory of part files; users expect one manifest file. */
  private static void moveSingleCsv(HadoopConf conf, String dir, String target) {
    try {
      Path d = new Path(dir);
      FileSystem fs = d.getFileSystem(conf.get());
      for (FileStatus f : fs.listStatus(d)) {
        if (f.getPath().getName().startsWith("part-") && f.getPath().getName().endsWith(".csv")) {
          fs.delete(new Path(target), false);
          if (!fs.rename(f.getPath(), new Path(target))) {
            throw new IOException("rename to " + target + " failed");
          }
        }
      }
      fs.delete(d, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + target, e);
    }
  }
}
