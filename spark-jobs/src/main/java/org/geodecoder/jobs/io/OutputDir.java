package org.geodecoder.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;

/**
 * A job's output directory on any Hadoop filesystem (file:, hdfs:, s3a:). Small files (CSV
 * tables, summary.json) are written directly through the Hadoop API, one file each.
 */
public final class OutputDir {
  private final Path root;
  private final Configuration hadoopConf;

  private OutputDir(Path root, Configuration hadoopConf) {
    this.root = root;
    this.hadoopConf = hadoopConf;
  }

  /**
   * Prepares the directory: fails when it exists and holds files, unless {@code overwrite},
   * which deletes it first.
   *
   * @param option the option that named this path, for the error message
   */
  public static OutputDir prepare(SparkSession spark, String uri, boolean overwrite, String option) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path path = new Path(uri);
    try {
      FileSystem fs = path.getFileSystem(conf);
      Path qualified = fs.makeQualified(path);
      if (fs.exists(qualified)) {
        boolean empty = fs.getFileStatus(qualified).isDirectory() && fs.listStatus(qualified).length == 0;
        if (!empty && !overwrite) {
          throw new JobFailedException(
              "Output " + qualified + " already exists; choose another " + option + " or pass --overwrite true");
        }
        if (!empty) {
          fs.delete(qualified, true);
        }
      }
      fs.mkdirs(qualified);
      return new OutputDir(qualified, conf);
    } catch (IOException e) {
      throw new JobFailedException("Cannot prepare output " + uri + " (" + option + "): " + e.getMessage(), e);
    }
  }

  /**
   * Opens a directory whose children several jobs write (e.g. the pipeline's): created when
   * missing, never emptied.
   *
   * @param option the option that named this path, for the error message
   */
  public static OutputDir open(SparkSession spark, String uri, String option) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    try {
      Path path = new Path(uri);
      FileSystem fs = path.getFileSystem(conf);
      Path qualified = fs.makeQualified(path);
      fs.mkdirs(qualified);
      return new OutputDir(qualified, conf);
    } catch (IOException e) {
      throw new JobFailedException("Cannot create output " + uri + " (" + option + "): " + e.getMessage(), e);
    }
  }

  public Path root() {
    return root;
  }

  /** Path of a child as a string, for Spark writers. */
  public String child(String name) {
    return new Path(root, name).toString();
  }

  /** Moves local files (e.g. rendered reports) into this directory, keeping their names. */
  public void moveFromLocal(List<java.nio.file.Path> files) {
    try {
      FileSystem fs = root.getFileSystem(hadoopConf);
      for (java.nio.file.Path f : files) {
        fs.copyFromLocalFile(true, true, new Path(f.toUri()), new Path(root, f.getFileName().toString()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + files.size() + " files into " + root, e);
    }
  }

  /** Writes a value as indented JSON (e.g. summary.json), replacing the file. */
  public void writeJson(String name, Object value) {
    try {
      writeText(name, new com.fasterxml.jackson.databind.ObjectMapper()
          .enable(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT).writeValueAsString(value) + "\n");
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("Cannot serialize " + name, e);
    }
  }

  /** Writes a small text file (UTF-8), replacing it. */
  public void writeText(String name, String content) {
    Path p = new Path(root, name);
    try (OutputStream out = p.getFileSystem(hadoopConf).create(p, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + p, e);
    }
  }
}
