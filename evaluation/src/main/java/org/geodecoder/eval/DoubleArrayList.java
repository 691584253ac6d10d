package org.geodecoder.eval;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/** A growable primitive double array: no boxing on the per-prediction path. */
final class DoubleArrayList implements Serializable {
  private static final long serialVersionUID = 1L;

  private double[] values;
  private int size;

  DoubleArrayList(int initialCapacity) {
    values = new double[Math.max(initialCapacity, 16)];
  }

  void add(double value) {
    if (size == values.length) {
      grow(size + 1);
    }
    values[size++] = value;
  }

  void addAll(DoubleArrayList other) {
    grow(size + other.size);
    System.arraycopy(other.values, 0, values, size, other.size);
    size += other.size;
  }

  double get(int index) {
    return values[index];
  }

  int size() {
    return size;
  }

  /** A copy of the elements. */
  double[] toArray() {
    return Arrays.copyOf(values, size);
  }

  private void grow(int minCapacity) {
    if (minCapacity > values.length) {
      long doubled = 2L * values.length;
      int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(doubled, minCapacity));
      values = Arrays.copyOf(values, capacity);
    }
  }

  // Ship only the used part across the wire (Spark ships partial accumulators to the driver).
  private void writeObject(ObjectOutputStream out) throws IOException {
    if (values.length != size) {
      values = Arrays.copyOf(values, size);
    }
    out.defaultWriteObject();
  }
}
