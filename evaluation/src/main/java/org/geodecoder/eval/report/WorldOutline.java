package org.geodecoder.eval.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Simplified country outlines (world-countries 5.1.0, ODbL; see {@code ATTRIBUTION.md} next to
 * the resource) for map backgrounds: one ring per polygon part, coordinates in tenths of a degree.
 * Loaded once; immutable.
 */
public final class WorldOutline {
  private static final String RESOURCE = "/org/geodecoder/eval/report/world-outline.txt";
  private static volatile WorldOutline bundled;

  /** One closed ring of a country's outline. */
  public static final class Ring {
    private final String iso3;
    private final short[] lonTenths;
    private final short[] latTenths;

    Ring(String iso3, short[] lonTenths, short[] latTenths) {
      this.iso3 = iso3;
      this.lonTenths = lonTenths;
      this.latTenths = latTenths;
    }

    public String iso3() {
      return iso3;
    }

    public int size() {
      return lonTenths.length;
    }

    public double lonDegrees(int i) {
      return lonTenths[i] / 10.0;
    }

    public double latDegrees(int i) {
      return latTenths[i] / 10.0;
    }
  }

  private final List<Ring> rings;

  private WorldOutline(List<Ring> rings) {
    this.rings = List.copyOf(rings);
  }

  /** The bundled outline. */
  public static WorldOutline bundled() {
    if (bundled == null) {
      synchronized (WorldOutline.class) {
        if (bundled == null) {
          bundled = load();
        }
      }
    }
    return bundled;
  }

  public List<Ring> rings() {
    return rings;
  }

  private static WorldOutline load() {
    InputStream in = WorldOutline.class.getResourceAsStream(RESOURCE);
    if (in == null) {
      throw new IllegalStateException("Missing bundled resource " + RESOURCE);
    }
    List<Ring> rings = new ArrayList<>(1200);
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      int lineNo = 0;
      while ((line = r.readLine()) != null) {
        lineNo++;
        if (line.isEmpty() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split(" ");
        if (f.length < 7 || f.length % 2 == 0) {
          throw new IllegalStateException(
              RESOURCE + " line " + lineNo + ": expected ISO3 and at least 3 lon/lat pairs");
        }
        int n = (f.length - 1) / 2;
        short[] lon = new short[n];
        short[] lat = new short[n];
        for (int i = 0; i < n; i++) {
          lon[i] = Short.parseShort(f[1 + 2 * i]);
          lat[i] = Short.parseShort(f[2 + 2 * i]);
        }
        rings.add(new Ring(f[0], lon, lat));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read bundled resource " + RESOURCE, e);
    }
    return new WorldOutline(rings);
  }
}
