package org.geodecoder.eval;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/** A growable primitive short array (scene labels, parallel to the distances). */
final class ShortArrayList implements Serializable {
  private static final long serialVersionUID = 1L;

  private short[] values;
  private int size;

  ShortArrayList(int initialCapacity) {
    values = new short[Math.max(initialCapacity, 16)];
  }

  void add(short value) {
    if (size == values.length) {
      grow(size + 1);
    }
    values[size++] = value;
  }

  void addAll(ShortArrayList other) {
    grow(size + other.size);
    System.arraycopy(other.values, 0, values, size, other.size);
    size += other.size;
  }

  short get(int index) {
    return values[index];
  }

  int size() {
    return size;
  }

  private void grow(int minCapacity) {
    if (minCapacity > values.length) {
      long doubled = 2L * values.length;
      int capacity = (int) Math.min(Integer.MAX_VALUE - 8, Math.max(doubled, minCapacity));
      values = Arrays.copyOf(values, capacity);
    }
  }

  private void writeObject(ObjectOutputStream out) throws IOException {
    if (values.length != size) {
      values = Arrays.copyOf(values, size);
    }
    out.defaultWriteObject();
  }
}
