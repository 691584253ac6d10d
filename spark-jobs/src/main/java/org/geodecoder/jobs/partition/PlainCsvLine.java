package org.geodecoder.jobs.partition;

import com.fasterxml.jackson.core.io.NumberInput;

/**
 * Reads the id, latitude and longitude of one line of a plain CSV (no quotes, no escapes, only
 * printable ASCII, exactly the header's number of fields) and decides whether it is a valid row
 * exactly as Spark's CSV reader followed by {@code LocationRows.stage} would. Anything it cannot
 * decide with certainty (a quote, a backslash, a control or non-ASCII byte, a field count other
 * than the header's, a number outside plain decimal syntax) or any row staging would reject is
 * {@link #EXCEPTIONAL}: the job then reads the input through Spark's CSV reader instead, which
 * gives every reject its reason and raw text. Hand-written because no library parses CSV lines
 * with Spark's exact semantics for this subset without building a {@code Row} per line.
 *
 * <p>Numbers are parsed by Jackson's copy of FastDoubleParser (it comes with Spark), which
 * returns the correctly rounded double, the same value as {@link Double#parseDouble}, which is
 * what Spark's cast from string to double calls; the strict syntax check before it keeps the
 * inputs to the subset where the two accept the same strings.
 */
final class PlainCsvLine {
  static final int VALID = 0;
  static final int HEADER = 1;
  static final int EXCEPTIONAL = 2;

  private final byte[] header;
  private final int fields;
  private final int idField;
  private final int latField;
  private final int lonField;
  private final int[] starts;
  private final int[] ends;
  private char[] chars = new char[64];

  /** Start and length of the last valid line's id (spaces trimmed, as staging does) in its bytes. */
  int idStart;
  int idLength;
  double lat;
  double lon;

  /**
   * @param header the header line's bytes (without its line break)
   * @param fields the header's number of fields
   */
  PlainCsvLine(byte[] header, int fields, int idField, int latField, int lonField) {
    this.header = header;
    this.fields = fields;
    this.idField = idField;
    this.latField = latField;
    this.lonField = lonField;
    this.starts = new int[fields];
    this.ends = new int[fields];
  }

  /** Classifies {@code line[0, length)}; for {@link #VALID} sets the id span, lat and lon. */
  int parse(byte[] line, int length) {
    if (length == header.length && java.util.Arrays.equals(line, 0, length, header, 0, length)) {
      return HEADER;
    }
    int field = 0;
    starts[0] = 0;
    for (int i = 0; i < length; i++) {
      byte b = line[i];
      if (b == ',') {
        if (field == fields - 1) {
          return EXCEPTIONAL; // more fields than the header
        }
        ends[field++] = i;
        starts[field] = i + 1;
      } else if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
        return EXCEPTIONAL; // quoting, escapes, control or non-ASCII bytes: Spark's reader decides
      }
    }
    if (field != fields - 1) {
      return EXCEPTIONAL;
    }
    ends[field] = length;

    int idFrom = trimStart(line, starts[idField], ends[idField]);
    int idTo = trimEnd(line, idFrom, ends[idField]);
    if (idFrom == idTo) {
      return EXCEPTIONAL; // missing_id
    }
    double la = number(line, latField);
    double lo = number(line, lonField);
    if (Double.isNaN(la) || Double.isNaN(lo) || la < -90 || la > 90 || lo < -180 || lo > 180) {
      return EXCEPTIONAL;
    }
    idStart = idFrom;
    idLength = idTo - idFrom;
    lat = la;
    lon = lo;
    return VALID;
  }

  /** The field as a double, or NaN when it is empty or not plain decimal syntax. */
  private double number(byte[] line, int field) {
    int from = trimStart(line, starts[field], ends[field]);
    int to = trimEnd(line, from, ends[field]);
    if (!plainDecimal(line, from, to)) {
      return Double.NaN;
    }
    int n = to - from;
    if (chars.length < n) {
      chars = new char[n];
    }
    for (int i = 0; i < n; i++) {
      chars[i] = (char) line[from + i];
    }
    return NumberInput.parseDouble(chars, 0, n, true);
  }

  /** {@code [+-]? digits? (. digits?)? ([eE] [+-]? digits)?} with at least one mantissa digit. */
  static boolean plainDecimal(byte[] s, int from, int to) {
    int i = from;
    if (i < to && (s[i] == '+' || s[i] == '-')) {
      i++;
    }
    int digits = 0;
    while (i < to && s[i] >= '0' && s[i] <= '9') {
      i++;
      digits++;
    }
    if (i < to && s[i] == '.') {
      i++;
      while (i < to && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < to && (s[i] == 'e' || s[i] == 'E')) {
      i++;
      if (i < to && (s[i] == '+' || s[i] == '-')) {
        i++;
      }
      int exponentDigits = 0;
      while (i < to && s[i] >= '0' && s[i] <= '9') {
        i++;
        exponentDigits++;
      }
      if (exponentDigits == 0) {
        return false;
      }
    }
    return i == to;
  }

  /** Spark's {@code trim} removes spaces (0x20) only. */
  private static int trimStart(byte[] s, int from, int to) {
    while (from < to && s[from] == ' ') {
      from++;
    }
    return from;
  }

  private static int trimEnd(byte[] s, int from, int to) {
    while (to > from && s[to - 1] == ' ') {
      to--;
    }
    return to;
  }
}
