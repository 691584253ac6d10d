package org.geodecoder.jobs.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.geodecoder.geo.PhotoLocationSampler;

/** Small MP-16-style manifests written by tests. */
public final class TestData {
  private TestData() {}

  /** {@code n} realistic points as {lat[], lon[]}. */
  public static double[][] points(int n, long seed) {
    PhotoLocationSampler s = PhotoLocationSampler.worldCities(seed);
    double[][] p = new double[2][n];
    for (int i = 0; i < n; i++) {
      double[] q = s.sample(i);
      p[0][i] = q[0];
      p[1][i] = q[1];
    }
    return p;
  }

  /** Writes IMG_ID,AUTHOR,LAT,LON rows in the given order of indices, plus extra raw lines. */
  public static Path writeCsv(Path file, double[][] p, int[] order, List<String> extraLines) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("IMG_ID,AUTHOR,LAT,LON");
    for (int i : order) {
      lines.add("img" + i + ".jpg,a" + (i % 97) + "," + p[0][i] + "," + p[1][i]);
    }
    lines.addAll(extraLines);
    Files.createDirectories(file.getParent());
    Files.write(file, lines, StandardCharsets.UTF_8);
    return file;
  }

  public static int[] identity(int n) {
    int[] o = new int[n];
    for (int i = 0; i < n; i++) {
      o[i] = i;
    }
    return o;
  }

  public static int[] reversed(int n) {
    int[] o = new int[n];
    for (int i = 0; i < n; i++) {
      o[i] = n - 1 - i;
    }
    return o;
  }
}
