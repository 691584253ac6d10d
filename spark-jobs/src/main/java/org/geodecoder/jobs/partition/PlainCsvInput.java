package org.geodecoder.jobs.partition;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition job's fast input path for plain CSV files: Spark's text source hands each task
 * its lines and {@link PlainCsvLine} turns them into {@link LocationBlock}s directly, in one pass
 * and without a {@code Row} per line. Spark's CSV reader spent about 10x the physical parse cost
 * on such files. The blocks are exactly those of the Spark CSV path (same ids, doubles, leaves and
 * id hashes, Spark's own {@code xxhash64}); a line the fast path cannot decide, or one that would
 * be rejected, makes the caller read the input through Spark's CSV reader instead, so rejects
 * keep their reasons and raw text.
 */
final class PlainCsvInput {
  private static final Logger LOG = LoggerFactory.getLogger(PlainCsvInput.class);
  /** Spark's seed of {@code xxhash64}. */
  private static final long XXHASH64_SEED = 42L;

  private PlainCsvInput() {}

  /** Blocks read by the fast path, with what the caller needs to accept them. */
  record Read(JavaRDD<LocationBlock> blocks, int files) {}

  /**
   * The fast path's blocks (not yet computed), or null when the input does not qualify: not
   * every file is an uncompressed file with the same plain header that names the columns {@code raw} has.
   */
  static Read blocks(SparkSession spark, Dataset<Row> raw, String idCol, String latCol, String lonCol) {
    String[] files = raw.inputFiles();
    if (files.length == 0) {
      return null;
    }
    byte[] header;
    try {
      header = commonHeader(spark.sparkContext().hadoopConfiguration(), files);
    } catch (IOException e) {
      LOG.info("Fast CSV path not used: {}", e.getMessage());
      return null;
    }
    if (header == null) {
      return null;
    }
    List<String> columns = Arrays.asList(new String(header, StandardCharsets.US_ASCII).split(",", -1));
    if (!columns.equals(Arrays.asList(raw.columns())) || new HashSet<>(columns).size() != columns.size()) {
      LOG.info("Fast CSV path not used: header {} is not the columns {} as read", columns, Arrays.asList(raw.columns()));
      return null;
    }
    int fields = columns.size();
    int idField = columns.indexOf(idCol);
    int latField = columns.indexOf(latCol);
    int lonField = columns.indexOf(lonCol);

    Dataset<Row> text = spark.read().text(files);
    if (!new HashSet<>(Arrays.asList(text.inputFiles())).equals(new HashSet<>(Arrays.asList(files)))) {
      return null;
    }
    JavaRDD<LocationBlock> blocks = splitEvenly(spark, text, files).mapPartitions((Iterator<InternalRow> it) -> {
      PlainCsvLine parser = new PlainCsvLine(header, fields, idField, latField, lonField);
      LocationBlock.Builder b = new LocationBlock.Builder(false, 1 << 16);
      byte[] line = new byte[256];
      while (it.hasNext()) {
        UTF8String s = it.next().getUTF8String(0);
        int n = s.numBytes();
        if (line.length < n) {
          line = new byte[Math.max(n, line.length * 2)];
        }
        Platform.copyMemory(s.getBaseObject(), s.getBaseOffset(), line, Platform.BYTE_ARRAY_OFFSET, n);
        switch (parser.parse(line, n)) {
          case PlainCsvLine.VALID -> {
            long hash = XXH64.hashUnsafeBytes(line, Platform.BYTE_ARRAY_OFFSET + parser.idStart, parser.idLength, XXHASH64_SEED);
            b.addRaw(line, parser.idStart, parser.idLength, parser.lat, parser.lon, hash);
          }
          case PlainCsvLine.HEADER -> b.headerLines++;
          default -> b.rowRejects++;
        }
      }
      return List.of(b.build()).iterator();
    });
    return new Read(blocks, files.length);
  }

  /**
   * The text's rows in a multiple of the task slots of about equal bytes (at most Spark's
   * {@code maxPartitionBytes} each): Spark's default splits a 271 MB file on 2 cores into
   * 128 + 128 + 15 MB, one task of which runs alone. Only the partitioning changes.
   */
  private static JavaRDD<InternalRow> splitEvenly(SparkSession spark, Dataset<Row> text, String[] files) {
    long total = 0;
    try {
      for (String f : files) {
        Path p = new Path(f);
        total += p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getFileStatus(p).getLen();
      }
    } catch (IOException e) {
      return text.queryExecution().toRdd().toJavaRDD();
    }
    var conf = spark.sessionState().conf();
    int slots = Math.max(1, spark.sparkContext().defaultParallelism());
    long rounds = Math.max(1, (total + (long) slots * conf.filesMaxPartitionBytes() - 1) / ((long) slots * conf.filesMaxPartitionBytes()));
    long split = Math.max(1, (total + slots * rounds - 1) / (slots * rounds));
    String maxBytes = "spark.sql.files.maxPartitionBytes";
    String minNum = "spark.sql.files.minPartitionNum";
    String maxBefore = spark.conf().get(maxBytes, null);
    String minBefore = spark.conf().get(minNum, null);
    try {
      spark.conf().set(maxBytes, split);
      spark.conf().set(minNum, slots * rounds);
      return text.queryExecution().toRdd().toJavaRDD(); // the scan's splits are fixed here
    } finally {
      restore(spark, maxBytes, maxBefore);
      restore(spark, minNum, minBefore);
    }
  }

  private static void restore(SparkSession spark, String key, String value) {
    if (value == null) {
      spark.conf().unset(key);
    } else {
      spark.conf().set(key, value);
    }
  }

  /** The first line every file starts with, or null when the files differ or one is compressed or not plain. */
  private static byte[] commonHeader(Configuration conf, String[] files) throws IOException {
    CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
    byte[] common = null;
    for (String f : files) {
      Path path = new Path(f);
      if (codecs.getCodec(path) != null) {
        LOG.info("Fast CSV path not used: {} is compressed", f);
        return null;
      }
      byte[] first = firstLine(path.getFileSystem(conf), path);
      if (first == null || (common != null && !Arrays.equals(common, first))) {
        LOG.info("Fast CSV path not used: the header of {} is not a plain one shared by all files", f);
        return null;
      }
      common = first;
    }
    return common;
  }

  /** The file's first line when it ends with '\n' and is plain ASCII without quotes; else null. */
  private static byte[] firstLine(FileSystem fs, Path path) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = new java.io.BufferedInputStream(fs.open(path), 8192)) {
      for (int b = in.read(); b != '\n'; b = in.read()) {
        if (b < 0x20 || b > 0x7e || b == '"' || b == '\\' || out.size() > 65_536) {
          return null; // also end of file (-1) and '\r'
        }
        out.write(b);
      }
    }
    return out.size() == 0 ? null : out.toByteArray();
  }
}
