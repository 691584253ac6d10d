package org.geodecoder.jobs.partition;

import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.unsafe.Platform;
import org.apache.spark.unsafe.types.UTF8String;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellStatistics;
import org.geodecoder.s2.SortedLeafCounter;

/**
 * The valid rows of one input partition in columns: id bytes, S2 leaf cell, location in 1e-7
 * degrees (the statistics' units), 64-bit id hash and whether the row shapes the cells
 * (--fit-split), plus its fit leaves sorted for the level walk: 36 bytes a row plus the id's
 * bytes, instead of a cached wide row. The partition job's only copy of the input.
 */
final class LocationBlock implements Serializable {
  private static final long serialVersionUID = 1L;

  private final byte[] idBytes;
  /** End offset of row i's id in {@link #idBytes} (its start is the previous row's end). */
  private final int[] idEnds;
  private final long[] leaves;
  private final int[] latE7;
  private final int[] lonE7;
  private final long[] idHashes;
  /** Null when every row fits. */
  private final boolean[] fits;
  private final long[] sortedFitLeaves;
  /** Rows of the partition that failed the row checks (their reasons come from the reject pass). */
  private final long rowRejects;
  /** Header lines the fast CSV path skipped in this partition ({@link PlainCsvInput}). */
  private final long headerLines;

  private LocationBlock(byte[] idBytes, int[] idEnds, long[] leaves, int[] latE7, int[] lonE7, long[] idHashes,
      boolean[] fits, long rowRejects, long headerLines) {
    this.idBytes = idBytes;
    this.idEnds = idEnds;
    this.leaves = leaves;
    this.latE7 = latE7;
    this.lonE7 = lonE7;
    this.idHashes = idHashes;
    this.fits = fits;
    this.rowRejects = rowRejects;
    this.headerLines = headerLines;
    long[] fit = fits == null ? leaves.clone() : new long[count(fits)];
    if (fits != null) {
      for (int i = 0, k = 0; i < fits.length; i++) {
        if (fits[i]) {
          fit[k++] = leaves[i];
        }
      }
    }
    this.sortedFitLeaves = SortedLeafCounter.sortUnsigned(fit);
  }

  int size() {
    return leaves.length;
  }

  String id(int i) {
    int start = i == 0 ? 0 : idEnds[i - 1];
    return new String(idBytes, start, idEnds[i] - start, StandardCharsets.UTF_8);
  }

  /** Writes row i's id into {@code w} at {@code ordinal} straight from the block's bytes (no String). */
  void writeId(UnsafeRowWriter w, int ordinal, int i) {
    int start = i == 0 ? 0 : idEnds[i - 1];
    w.write(ordinal, idBytes, start, idEnds[i] - start);
  }

  long leaf(int i) {
    return leaves[i];
  }

  long latE7(int i) {
    return latE7[i];
  }

  long lonE7(int i) {
    return lonE7[i];
  }

  boolean fits(int i) {
    return fits == null || fits[i];
  }

  long fitCount() {
    return sortedFitLeaves.length;
  }

  long rowRejects() {
    return rowRejects;
  }

  long headerLines() {
    return headerLines;
  }

  long[] idHashes() {
    return idHashes;
  }

  /** The fit rows' leaf cells, sorted as unsigned values (shared, do not modify). */
  long[] sortedFitLeaves() {
    return sortedFitLeaves;
  }

  /** This block without the rows whose id hash is in {@code sortedHashes} (sorted, signed order). */
  LocationBlock without(long[] sortedHashes) {
    Builder b = new Builder(fits != null, size());
    for (int i = 0; i < size(); i++) {
      if (Arrays.binarySearch(sortedHashes, idHashes[i]) < 0) {
        int start = i == 0 ? 0 : idEnds[i - 1];
        b.addRaw(idBytes, start, idEnds[i] - start, leaves[i], latE7[i], lonE7[i], idHashes[i], fits(i));
      }
    }
    b.rowRejects += rowRejects;
    b.headerLines += headerLines;
    return b.build();
  }

  private static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }

  /** Appends rows in input order; not thread-safe. */
  static final class Builder {
    private byte[] idBytes = new byte[1 << 16];
    private int idLength;
    private int[] idEnds;
    private long[] leaves;
    private int[] latE7;
    private int[] lonE7;
    private long[] idHashes;
    private boolean[] fits;
    private int size;
    long rowRejects;
    long headerLines;

    Builder(boolean withFits, int capacity) {
      int c = Math.max(16, capacity);
      idEnds = new int[c];
      leaves = new long[c];
      latE7 = new int[c];
      lonE7 = new int[c];
      idHashes = new long[c];
      fits = withFits ? new boolean[c] : null;
    }

    /** A valid row: its S2 leaf and 1e-7-degree location are computed here. */
    void add(UTF8String id, double latDegrees, double lonDegrees, long idHash, boolean fit) {
      int n = id.numBytes();
      ensureIdCapacity(n);
      id.writeToMemory(idBytes, Platform.BYTE_ARRAY_OFFSET + idLength);
      append(n, CellIds.leafOf(latDegrees, lonDegrees), (int) CellStatistics.toE7(latDegrees),
          (int) CellStatistics.toE7(lonDegrees), idHash, fit);
    }

    /** A valid row whose id is {@code bytes[offset, offset + length)} (UTF-8) and whose id hash is known. */
    void addRaw(byte[] bytes, int offset, int length, double latDegrees, double lonDegrees, long idHash) {
      addRaw(bytes, offset, length, CellIds.leafOf(latDegrees, lonDegrees), (int) CellStatistics.toE7(latDegrees),
          (int) CellStatistics.toE7(lonDegrees), idHash, true);
    }

    void addRaw(byte[] bytes, int offset, int length, long leaf, int lat, int lon, long idHash, boolean fit) {
      ensureIdCapacity(length);
      System.arraycopy(bytes, offset, idBytes, idLength, length);
      append(length, leaf, lat, lon, idHash, fit);
    }

    private void ensureIdCapacity(int extra) {
      if (idLength + extra > idBytes.length) {
        idBytes = Arrays.copyOf(idBytes, Math.max(idBytes.length * 2, idLength + extra));
      }
    }

    private void append(int idLen, long leaf, int lat, int lon, long idHash, boolean fit) {
      if (size == leaves.length) {
        int c = size * 2;
        idEnds = Arrays.copyOf(idEnds, c);
        leaves = Arrays.copyOf(leaves, c);
        latE7 = Arrays.copyOf(latE7, c);
        lonE7 = Arrays.copyOf(lonE7, c);
        idHashes = Arrays.copyOf(idHashes, c);
        fits = fits == null ? null : Arrays.copyOf(fits, c);
      }
      idLength += idLen;
      idEnds[size] = idLength;
      leaves[size] = leaf;
      latE7[size] = lat;
      lonE7[size] = lon;
      idHashes[size] = idHash;
      if (fits != null) {
        fits[size] = fit;
      }
      size++;
    }

    LocationBlock build() {
      return new LocationBlock(Arrays.copyOf(idBytes, idLength), Arrays.copyOf(idEnds, size),
          Arrays.copyOf(leaves, size), Arrays.copyOf(latE7, size), Arrays.copyOf(lonE7, size),
          Arrays.copyOf(idHashes, size), fits == null ? null : Arrays.copyOf(fits, size), rowRejects, headerLines);
    }
  }
}
