package org.geodecoder.eval;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Mergeable uniform sampling without replacement ("bottom-k"): every row gets a pseudo-random
 * 64-bit key hashed from its own values and the k rows with the smallest keys are kept. The kept
 * set depends only on the multiset of rows, never on how they were split into partitions or in
 * which order partial samples were merged, so results are reproducible under Spark.
 */
final class BottomKSampler implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int capacity;
  // A max-heap on keys: the root is the largest kept key, the first to be evicted.
  private long[] keys;
  private double[] lat;
  private double[] lon;
  private double[] error;
  private int size;

  BottomKSampler(int capacity) {
    this.capacity = capacity;
    int initial = Math.min(capacity, 64);
    keys = new long[initial];
    lat = new double[initial];
    lon = new double[initial];
    error = new double[initial];
  }

  /** The sampling key of a prediction: a SplitMix64-style hash of its four coordinates. */
  static long key(double trueLat, double trueLon, double predLat, double predLon) {
    long h = mix(Double.doubleToLongBits(trueLat));
    h = mix(h ^ Double.doubleToLongBits(trueLon));
    h = mix(h ^ Double.doubleToLongBits(predLat));
    return mix(h ^ Double.doubleToLongBits(predLon));
  }

  private static long mix(long z) {
    z = (z + 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  void offer(long key, double trueLat, double trueLon, double errorKm) {
    if (capacity == 0) {
      return;
    }
    if (size < capacity) {
      if (size == keys.length) {
        int grown = Math.min(capacity, 2 * keys.length);
        keys = Arrays.copyOf(keys, grown);
        lat = Arrays.copyOf(lat, grown);
        lon = Arrays.copyOf(lon, grown);
        error = Arrays.copyOf(error, grown);
      }
      set(size, key, trueLat, trueLon, errorKm);
      siftUp(size++);
    } else if (key < keys[0]) {
      set(0, key, trueLat, trueLon, errorKm);
      siftDown(0);
    }
  }

  void merge(BottomKSampler other) {
    for (int i = 0; i < other.size; i++) {
      offer(other.keys[i], other.lat[i], other.lon[i], other.error[i]);
    }
  }

  /** The kept rows ordered by key, so equal inputs give identical samples. */
  ErrorSample toSample() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compare(keys[a], keys[b]));
    double[] la = new double[size];
    double[] lo = new double[size];
    double[] er = new double[size];
    for (int i = 0; i < size; i++) {
      la[i] = lat[order[i]];
      lo[i] = lon[order[i]];
      er[i] = error[order[i]];
    }
    return new ErrorSample(la, lo, er);
  }

  private void set(int i, long key, double trueLat, double trueLon, double errorKm) {
    keys[i] = key;
    lat[i] = trueLat;
    lon[i] = trueLon;
    error[i] = errorKm;
  }

  private void siftUp(int i) {
    while (i > 0) {
      int parent = (i - 1) >>> 1;
      if (keys[parent] >= keys[i]) {
        return;
      }
      swap(i, parent);
      i = parent;
    }
  }

  private void siftDown(int i) {
    while (true) {
      int left = 2 * i + 1;
      if (left >= size) {
        return;
      }
      int largest = left + 1 < size && keys[left + 1] > keys[left] ? left + 1 : left;
      if (keys[i] >= keys[largest]) {
        return;
      }
      swap(i, largest);
      i = largest;
    }
  }

  private void swap(int a, int b) {
    long k = keys[a];
    keys[a] = keys[b];
    keys[b] = k;
    double t = lat[a];
    lat[a] = lat[b];
    lat[b] = t;
    t = lon[a];
    lon[a] = lon[b];
    lon[b] = t;
    t = error[a];
    error[a] = error[b];
    error[b] = t;
  }
}
