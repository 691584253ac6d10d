package org.geodecoder.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;

/**
 * A job's output directory on any Hadoop filesystem (file:, hdfs:, s3a:). Small files (CSV
 * tables, summary.json) are written directly through the Hadoop API, one file each. A job's own
 * output goes through {@link OutputCommit}: written aside, published by {@link #commit}.
 */
public final class OutputDir {
  /** The attempt directory until {@link #commit}, then the output itself. */
  private Path root;
  private final Configuration hadoopConf;
  /** The pending commit of a job's own output; null for a shared directory ({@link #open}). */
  private final OutputCommit.Attempt attempt;

  private OutputDir(Path root, Configuration hadoopConf, OutputCommit.Attempt attempt) {
    this.root = root;
    this.hadoopConf = hadoopConf;
    this.attempt = attempt;
  }

  /**
   * Begins a job's output with {@link OutputCommit}: fails when it exists and holds files,
   * unless {@code overwrite}; nothing is deleted before {@link #commit}. The job writes into
   * a hidden attempt directory ({@link #root()}).
   *
   * @param option the option that named this path, for the error message
   * @param inputs option → input path: the output must not equal, contain or lie inside any
   */
  public static OutputDir prepare(SparkSession spark, String uri, boolean overwrite, String option, Map<String, String> inputs) {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    OutputCommit.Attempt a = OutputCommit.begin(conf, uri, overwrite, option, inputs, false);
    return new OutputDir(a.dir(), conf, a);
  }

  /** {@link #prepare(SparkSession, String, boolean, String, Map)} for a job without path inputs. */
  public static OutputDir prepare(SparkSession spark, String uri, boolean overwrite, String option) {
    return prepare(spark, uri, overwrite, option, Map.of());
  }

  /** Publishes the output (replacing the previous one) after the job succeeded. */
  public void commit(String job) {
    if (attempt != null) {
      attempt.commit(job);
      root = attempt.target();
    }
  }

  /**
   * Keeps a failed run's diagnostics (rejects, summary) without touching a previous output.
   *
   * @return the directory that holds them now
   */
  public Path keepFailed() {
    if (attempt != null) {
      root = attempt.keepFailed();
    }
    return root;
  }

  /** Drops an uncommitted output; the previous output stays. */
  public void abort() {
    if (attempt != null) {
      attempt.abort();
    }
  }

  /** Where the output appears once committed. */
  public Path target() {
    return attempt == null ? root : attempt.target();
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
      return new OutputDir(qualified, conf, null);
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
