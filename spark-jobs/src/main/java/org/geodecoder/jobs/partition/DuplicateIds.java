package org.geodecoder.jobs.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * Finds the 64-bit id hashes that occur more than once among the valid rows: each block sends
 * its hashes, bucketed by reducer, as one {@code long[]} per reducer (8 bytes a row through the
 * shuffle, a few records per task); each reducer sorts its hashes and keeps the repeated ones.
 * Only the repeated hashes reach the driver (a handful on real data; each is a candidate that the
 * reject pass resolves by the real id).
 */
final class DuplicateIds {
  private DuplicateIds() {}

  /** The repeated hashes, sorted (signed order, for {@link Arrays#binarySearch}). */
  static long[] repeatedHashes(JavaRDD<LocationBlock> blocks, int reducers) {
    List<long[]> parts = blocks.flatMapToPair(b -> bucketed(b.idHashes(), reducers).iterator())
        .partitionBy(new HashPartitioner(reducers))
        .mapPartitions(chunks -> {
          List<long[]> all = new ArrayList<>();
          int n = 0;
          while (chunks.hasNext()) {
            long[] c = chunks.next()._2();
            all.add(c);
            n += c.length;
          }
          long[] hashes = new long[n];
          int at = 0;
          for (long[] c : all) {
            System.arraycopy(c, 0, hashes, at, c.length);
            at += c.length;
          }
          return List.of(repeated(hashes)).iterator();
        })
        .collect();
    long[] out = parts.stream().flatMapToLong(Arrays::stream).toArray();
    Arrays.sort(out);
    return out;
  }

  /** Splits hashes into {@code reducers} arrays by {@code floorMod(hash, reducers)}. */
  static List<Tuple2<Integer, long[]>> bucketed(long[] hashes, int reducers) {
    int[] sizes = new int[reducers];
    for (long h : hashes) {
      sizes[(int) Math.floorMod(h, (long) reducers)]++;
    }
    long[][] buckets = new long[reducers][];
    for (int r = 0; r < reducers; r++) {
      buckets[r] = new long[sizes[r]];
    }
    int[] fill = new int[reducers];
    for (long h : hashes) {
      int r = (int) Math.floorMod(h, (long) reducers);
      buckets[r][fill[r]++] = h;
    }
    List<Tuple2<Integer, long[]>> out = new ArrayList<>(reducers);
    for (int r = 0; r < reducers; r++) {
      if (sizes[r] > 0) {
        out.add(new Tuple2<>(r, buckets[r]));
      }
    }
    return out;
  }

  /** The distinct values occurring at least twice, sorted. Sorts {@code hashes} in place. */
  static long[] repeated(long[] hashes) {
    Arrays.sort(hashes);
    long[] out = new long[16];
    int n = 0;
    for (int i = 1; i < hashes.length; i++) {
      if (hashes[i] == hashes[i - 1] && (n == 0 || out[n - 1] != hashes[i])) {
        if (n == out.length) {
          out = Arrays.copyOf(out, n * 2);
        }
        out[n++] = hashes[i];
      }
    }
    return Arrays.copyOf(out, n);
  }
}
