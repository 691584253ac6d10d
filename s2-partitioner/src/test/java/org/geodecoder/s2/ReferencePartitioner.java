package org.geodecoder.s2;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The obviously-correct reference: GeoEstimation's {@code create_cells}, one hierarchy at a
 * time, images kept in per-cell lists and re-assigned to child cells level by level. Slow and
 * single-threaded on purpose; the production partitioner must give identical output.
 */
public final class ReferencePartitioner {
  /** Result of one hierarchy: final cells (S2 order) and each image's class (−1 = dropped). */
  public record Result(List<Long> cells, List<Long> counts, int[] labelOfImage) {}

  private ReferencePartitioner() {}

  public static Result partition(double[] lat, double[] lon, long tmin, long tmax, int minLevel, int maxLevel) {
    Map<S2CellId, List<Integer>> cells = new HashMap<>();
    for (int i = 0; i < lat.length; i++) {
      cells.computeIfAbsent(cellOf(lat[i], lon[i], minLevel), c -> new ArrayList<>()).add(i);
    }
    cells.values().removeIf(images -> images.size() <= tmin);
    for (int level = minLevel; level < maxLevel; level++) {
      Map<S2CellId, List<Integer>> next = new HashMap<>();
      for (Map.Entry<S2CellId, List<Integer>> e : cells.entrySet()) {
        if (e.getValue().size() > tmax) {
          for (int i : e.getValue()) {
            next.computeIfAbsent(cellOf(lat[i], lon[i], level + 1), c -> new ArrayList<>()).add(i);
          }
        } else {
          next.put(e.getKey(), e.getValue());
        }
      }
      cells = next;
    }
    cells.values().removeIf(images -> images.size() <= tmin);

    TreeMap<S2CellId, List<Integer>> ordered = new TreeMap<>(cells); // S2CellId order = unsigned id order
    int[] labels = new int[lat.length];
    java.util.Arrays.fill(labels, -1);
    List<Long> ids = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    int k = 0;
    for (Map.Entry<S2CellId, List<Integer>> e : ordered.entrySet()) {
      ids.add(e.getKey().id());
      counts.add((long) e.getValue().size());
      for (int i : e.getValue()) {
        labels[i] = k;
      }
      k++;
    }
    return new Result(ids, counts, labels);
  }

  private static S2CellId cellOf(double lat, double lon, int level) {
    return S2CellId.fromLatLng(S2LatLng.fromDegrees(lat, lon)).parent(level);
  }
}
