package org.geodecoder.jobs.io;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;

/** Reads the tables users bring: CSV with a header (every column as text) or Parquet. */
public final class InputTables {
  /** Column names recognised with "auto", first match wins: MP-16's and the usual ones. */
  public static final List<String> ID_CANDIDATES = List.of("IMG_ID", "id", "image_id", "photo_id");
  public static final List<String> LAT_CANDIDATES = List.of("LAT", "lat", "latitude");
  public static final List<String> LON_CANDIDATES = List.of("LON", "lon", "lng", "longitude");

  private InputTables() {}

  /**
   * Reads a CSV file/directory or Parquet file/directory.
   *
   * @param format "csv", "parquet" or "auto" (by extension; a directory by its files)
   */
  public static Dataset<Row> read(SparkSession spark, String uri, String format, String option) {
    String resolved = "auto".equals(format) ? detectFormat(spark, uri, option) : format;
    try {
      if ("csv".equals(resolved)) {
        // Every column as text: malformed numbers must reach validation, not become nulls.
        return spark.read().option("header", "true").option("inferSchema", "false")
            .option("mode", "PERMISSIVE").csv(uri);
      }
      requireParquetMagic(spark, uri, option);
      return spark.read().parquet(uri);
    } catch (OptionException | JobFailedException e) {
      throw e;
    } catch (Exception e) { // Scala's AnalysisException is thrown without being declared
      String m = String.valueOf(e.getMessage());
      throw new JobFailedException("Cannot read " + option + " " + uri + " as " + resolved + ": "
          + (m.contains("\n") ? m.substring(0, m.indexOf('\n')) : m), e);
    }
  }

  /** A plain file read as Parquet must start with Parquet's magic "PAR1" (a CSV does not). */
  private static void requireParquetMagic(SparkSession spark, String uri, String option) {
    Path path = new Path(uri);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path) || fs.getFileStatus(path).isDirectory()) {
        return;
      }
      byte[] head = new byte[4];
      try (var in = fs.open(path)) {
        int n = in.read(head);
        if (n < 4 || head[0] != 'P' || head[1] != 'A' || head[2] != 'R' || head[3] != '1') {
          throw new OptionException(option + " " + uri + " is not a Parquet file (it does not start with Parquet's"
              + " magic bytes PAR1); if it is a CSV, pass --format csv or auto");
        }
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot read " + option + " " + uri + ": " + e.getMessage(), e);
    }
  }

  static String detectFormat(SparkSession spark, String uri, String option) {
    Path path = new Path(uri);
    try {
      FileSystem fs = path.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(path)) {
        throw new JobFailedException("Input " + uri + " (" + option + ") does not exist");
      }
      String name = path.getName().toLowerCase(Locale.ROOT);
      if (fs.getFileStatus(path).isDirectory()) {
        for (FileStatus f : fs.listStatus(path)) {
          String n = f.getPath().getName().toLowerCase(Locale.ROOT);
          if (n.endsWith(".parquet")) {
            return "parquet";
          }
          if (n.endsWith(".csv") || n.endsWith(".csv.gz")) {
            return "csv";
          }
        }
        throw new OptionException(
            "Cannot tell the format of directory " + uri + " (" + option + "): no .csv or .parquet files; set --format");
      }
      if (name.endsWith(".parquet")) {
        return "parquet";
      }
      if (name.endsWith(".csv") || name.endsWith(".csv.gz") || name.endsWith(".txt")) {
        return "csv";
      }
      throw new OptionException("Cannot tell the format of " + uri + " (" + option + "); set --format csv or parquet");
    } catch (IOException e) {
      throw new JobFailedException("Cannot access " + uri + " (" + option + "): " + e.getMessage(), e);
    }
  }

  /**
   * Resolves a column: the name given, or with "auto" the first candidate present
   * (case-insensitive).
   *
   * @throws OptionException naming the option, the wanted column and the columns available
   */
  public static String column(Dataset<Row> table, String requested, List<String> candidates, String option, String uri) {
    String found = find(table, "auto".equalsIgnoreCase(requested) ? candidates : List.of(requested));
    if (found != null) {
      return found;
    }
    throw new OptionException(
        "Input " + uri + " has no column " + ("auto".equalsIgnoreCase(requested) ? "named any of " + candidates : "'" + requested + "'")
            + " for " + option + "; its columns are " + new ArrayList<>(Arrays.asList(table.columns())));
  }

  /**
   * Like {@link #column} for a column the input may lack: with "auto", the first candidate
   * present or {@code fallback} (may be null); a named column must exist.
   */
  public static String optionalColumn(Dataset<Row> table, String requested, List<String> candidates, String option,
      String uri, String fallback) {
    if ("auto".equalsIgnoreCase(requested)) {
      String found = find(table, candidates);
      return found != null ? found : fallback;
    }
    return column(table, requested, candidates, option, uri);
  }

  /** The first wanted name present (case-insensitive), in the order wanted; null if none. */
  private static String find(Dataset<Row> table, List<String> wanted) {
    for (String w : wanted) {
      for (String c : table.columns()) {
        if (c.equalsIgnoreCase(w)) {
          return c;
        }
      }
    }
    return null;
  }
}
