package org.geodecoder.jobs.io;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.s2.CellClass;
import org.geodecoder.s2.CellVocabulary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which partition run a {@code labels.parquet} and a {@code cells.parquet} come from: the
 * partition job writes the same fingerprint into both, as a side file {@value #FILE} inside each
 * Parquet directory (Spark's readers skip names that start with '_'). Jobs that take labels and
 * cells together refuse a pair whose fingerprints differ: labels of one partition mean nothing
 * with the cells of another, even when the class counts happen to match.
 *
 * <p>The fingerprint is the SHA-256 over every {@code (hierarchy, class_label, cell_id)} in
 * class order, the same value as the nightly job's {@code CellsFingerprint} of the cells table:
 * two runs that give the same classes give the same fingerprint, and their labels agree.
 * Outputs written before fingerprints existed have none; they are accepted with a warning.
 */
public final class PartitionFingerprint {
  private static final Logger LOG = LoggerFactory.getLogger(PartitionFingerprint.class);
  public static final String FILE = "_PARTITION_FINGERPRINT";

  private PartitionFingerprint() {}

  /** The fingerprint of a vocabulary's classes. */
  public static String of(CellVocabulary vocabulary) {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    for (int h = 0; h < vocabulary.hierarchies(); h++) {
      for (CellClass c : vocabulary.classesOf(h)) {
        sha.update((c.hierarchy() + "," + c.classLabel() + "," + c.cellToken() + "\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  /** Writes the fingerprint into a Parquet directory the partition job wrote. */
  public static void write(Configuration conf, String parquetDir, String fingerprint) {
    Path p = new Path(parquetDir, FILE);
    try (OutputStream out = p.getFileSystem(conf).create(p, true)) {
      out.write((fingerprint + "\n").getBytes(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the partition fingerprint " + p + ": " + e.getMessage(), e);
    }
  }

  /** The fingerprint in a labels or cells directory (or in an output dir's cells.parquet/), if any. */
  public static Optional<String> read(Configuration conf, String uri) {
    for (Path dir : new Path[] {new Path(uri), new Path(uri, "cells.parquet")}) {
      Path p = new Path(dir, FILE);
      try {
        FileSystem fs = p.getFileSystem(conf);
        try (InputStream in = fs.open(p)) {
          return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8).trim());
        }
      } catch (FileNotFoundException e) {
        // try the next place
      } catch (IOException e) {
        LOG.warn("Cannot read {}: {}", p, e.getMessage());
      }
    }
    return Optional.empty();
  }

  /**
   * Refuses labels and cells of two different partition runs, before any work.
   *
   * @param labelsOption e.g. "--labels"
   * @throws JobFailedException naming both paths and fingerprints
   */
  public static void requireSamePartition(Configuration conf, String labelsOption, String labels, String cellsOption,
      String cells) {
    Optional<String> l = read(conf, labels);
    Optional<String> c = read(conf, cells);
    if (l.isEmpty() || c.isEmpty()) {
      LOG.warn("Cannot check that {} {} and {} {} come from the same partition run: {} has no {} (written by partition"
          + " since data-safety checks were added)", labelsOption, labels, cellsOption, cells, l.isEmpty() ? labels : cells, FILE);
      return;
    }
    if (!l.get().equals(c.get())) {
      throw new JobFailedException(labelsOption + " " + labels + " and " + cellsOption + " " + cells
          + " come from different partition runs (fingerprints " + abbreviate(l.get()) + " and " + abbreviate(c.get())
          + "): labels only mean something with the cells they were computed with; pass the labels.parquet and"
          + " cells.parquet of one partition output");
    }
  }

  public static String abbreviate(String fingerprint) {
    return fingerprint.length() > 12 ? fingerprint.substring(0, 12) : fingerprint;
  }
}
