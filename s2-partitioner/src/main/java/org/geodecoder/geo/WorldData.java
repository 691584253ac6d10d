package org.geodecoder.geo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The bundled world reference tables: 44,691 cities (SimpleMaps basic world cities, CC BY 4.0)
 * and 250 countries with their areas (world-countries, ODbL). See {@code ATTRIBUTION.md} next
 * to the resources. Loaded once, lazily; the lists are immutable.
 */
public final class WorldData {
  private static final String CITIES = "/org/geodecoder/geo/worldcities.csv";
  private static final String COUNTRIES = "/org/geodecoder/geo/countries.csv";

  private static volatile List<City> cities;
  private static volatile List<Country> countries;

  private WorldData() {}

  /** All cities, most populous first (the order of the source). */
  public static List<City> cities() {
    if (cities == null) {
      synchronized (WorldData.class) {
        if (cities == null) {
          List<City> list = new ArrayList<>(45_000);
          for (String[] f : readCsv(CITIES, 7)) {
            list.add(
                new City(
                    f[0],
                    Double.parseDouble(f[1]),
                    Double.parseDouble(f[2]),
                    f[3],
                    f[4],
                    Long.parseLong(f[5]),
                    f[6]));
          }
          cities = Collections.unmodifiableList(list);
        }
      }
    }
    return cities;
  }

  /** All countries, ordered by ISO alpha-3 code. */
  public static List<Country> countries() {
    if (countries == null) {
      synchronized (WorldData.class) {
        if (countries == null) {
          List<Country> list = new ArrayList<>(256);
          for (String[] f : readCsv(COUNTRIES, 8)) {
            list.add(new Country(f[0], f[1], f[2], Double.parseDouble(f[3]), f[4], f[5]));
          }
          countries = Collections.unmodifiableList(list);
        }
      }
    }
    return countries;
  }

  /** Reads a bundled CSV, skipping its header; fields may be double-quoted (names with commas). */
  private static List<String[]> readCsv(String resource, int fields) {
    InputStream in = WorldData.class.getResourceAsStream(resource);
    if (in == null) {
      throw new IllegalStateException("Missing bundled resource " + resource);
    }
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line = r.readLine();
      int lineNo = 1;
      while ((line = r.readLine()) != null) {
        lineNo++;
        String[] f = splitCsvLine(line);
        if (f.length != fields) {
          throw new IllegalStateException(
              resource + " line " + lineNo + ": expected " + fields + " fields, got " + f.length);
        }
        rows.add(f);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read bundled resource " + resource, e);
    }
    return rows;
  }

  static String[] splitCsvLine(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out.toArray(new String[0]);
  }
}
