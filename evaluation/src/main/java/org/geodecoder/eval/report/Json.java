package org.geodecoder.eval.report;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A minimal JSON serializer for report trees built from {@link Map} (ordered, String keys),
 * {@link List}, primitive arrays, numbers, strings, booleans and null. Non-finite doubles become
 * {@code null} (JSON has no NaN); primitive arrays are written on one line to keep curves compact.
 * Kept in-house so this library adds no JSON dependency next to DJL's Gson.
 */
final class Json {
  private Json() {}

  static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(value, out, 0);
    return out.append('\n').toString();
  }

  private static void write(Object value, StringBuilder out, int indent) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Map<?, ?> map) {
      writeObject(map, out, indent);
    } else if (value instanceof List<?> list) {
      writeList(list, out, indent);
    } else if (value instanceof double[] array) {
      out.append('[');
      for (int i = 0; i < array.length; i++) {
        out.append(i > 0 ? ", " : "");
        writeNumber(array[i], out);
      }
      out.append(']');
    } else if (value instanceof long[] array) {
      out.append('[');
      for (int i = 0; i < array.length; i++) {
        out.append(i > 0 ? ", " : "").append(array[i]);
      }
      out.append(']');
    } else if (value instanceof int[] array) {
      out.append('[');
      for (int i = 0; i < array.length; i++) {
        out.append(i > 0 ? ", " : "").append(array[i]);
      }
      out.append(']');
    } else if (value instanceof Double || value instanceof Float) {
      writeNumber(((Number) value).doubleValue(), out);
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof String s) {
      writeString(s, out);
    } else {
      throw new IllegalArgumentException(
          "Cannot write a " + value.getClass().getName() + " as JSON");
    }
  }

  private static void writeObject(Map<?, ?> map, StringBuilder out, int indent) {
    if (map.isEmpty()) {
      out.append("{}");
      return;
    }
    out.append("{\n");
    Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<?, ?> e = it.next();
      pad(out, indent + 1);
      writeString(String.valueOf(e.getKey()), out);
      out.append(": ");
      write(e.getValue(), out, indent + 1);
      out.append(it.hasNext() ? ",\n" : "\n");
    }
    pad(out, indent);
    out.append('}');
  }

  private static void writeList(List<?> list, StringBuilder out, int indent) {
    if (list.isEmpty()) {
      out.append("[]");
      return;
    }
    out.append("[\n");
    for (int i = 0; i < list.size(); i++) {
      pad(out, indent + 1);
      write(list.get(i), out, indent + 1);
      out.append(i < list.size() - 1 ? ",\n" : "\n");
    }
    pad(out, indent);
    out.append(']');
  }

  private static void writeNumber(double v, StringBuilder out) {
    if (!Double.isFinite(v)) {
      out.append("null");
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      out.append((long) v);
    } else {
      out.append(v);
    }
  }

  private static void writeString(String s, StringBuilder out) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }

  private static void pad(StringBuilder out, int indent) {
    for (int i = 0; i < indent; i++) {
      out.append("  ");
    }
  }
}
