package org.geodecoder.s2;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Computes every hierarchy of an adaptive S2 partitioning at once, level by level, from cell
 * counts alone.
 *
 * <p>All hierarchies share one walk down the S2 tree: at each level the cells that any
 * hierarchy splits are the parents whose children get counted next, so the counter is asked
 * one question per level, whatever the number of hierarchies. Per hierarchy the result is the
 * set of final cells with their counts (see {@link PartitionParams} for the rules).
 */
public final class AdaptivePartitioner {
  private static final Logger LOG = LoggerFactory.getLogger(AdaptivePartitioner.class);

  private AdaptivePartitioner() {}

  /** Runs the partitioning; the counter is called once per level visited. */
  public static Partitioning partition(PartitionParams params, CellCounter counter) {
    int hierarchies = params.hierarchies();
    int level = params.minLevel();
    CellCounts counts = counter.countChildren(level, null);
    LOG.info("Level {}: {} non-empty cells, {} images", level, counts.size(), counts.total());

    // frontier[h][i]: is cell i of `counts` a cell of hierarchy h at this level?
    boolean[][] frontier = new boolean[hierarchies][counts.size()];
    for (int h = 0; h < hierarchies; h++) {
      for (int i = 0; i < counts.size(); i++) {
        frontier[h][i] = counts.count(i) > params.tmin(h);
      }
    }
    List<List<long[]>> finals = new ArrayList<>();
    for (int h = 0; h < hierarchies; h++) {
      finals.add(new ArrayList<>());
    }

    while (true) {
      boolean lastLevel = level >= params.maxLevel();
      boolean[][] split = new boolean[hierarchies][counts.size()];
      boolean[] anySplit = new boolean[counts.size()];
      int splitCount = 0;
      for (int h = 0; h < hierarchies; h++) {
        for (int i = 0; i < counts.size(); i++) {
          if (!frontier[h][i]) {
            continue;
          }
          if (!lastLevel && counts.count(i) > params.tmax(h)) {
            split[h][i] = true;
            if (!anySplit[i]) {
              anySplit[i] = true;
              splitCount++;
            }
          } else {
            finals.get(h).add(new long[] {counts.cellId(i), counts.count(i)});
          }
        }
      }
      if (splitCount == 0) {
        break;
      }
      long[] parents = new long[splitCount];
      int p = 0;
      for (int i = 0; i < counts.size(); i++) {
        if (anySplit[i]) {
          parents[p++] = counts.cellId(i); // already in unsigned order
        }
      }
      level++;
      CellCounts children = counter.countChildren(level, parents);
      LOG.info("Level {}: split {} cells into {} non-empty children", level, splitCount, children.size());
      boolean[][] next = new boolean[hierarchies][children.size()];
      for (int i = 0; i < children.size(); i++) {
        long parent = CellIds.parent(children.cellId(i), level - 1);
        if (CellIds.binarySearchUnsigned(parents, 0, parents.length, parent) < 0) {
          throw new IllegalStateException(
              "Counter returned cell " + CellIds.toToken(children.cellId(i)) + " at level " + level
                  + " whose parent was not asked for");
        }
        int parentIndex = indexOf(counts, parent); // once per child, shared by all hierarchies
        for (int h = 0; h < hierarchies; h++) {
          next[h][i] = split[h][parentIndex];
        }
      }
      counts = children;
      frontier = next;
    }

    long[][] cellIds = new long[hierarchies][];
    long[][] cellCounts = new long[hierarchies][];
    for (int h = 0; h < hierarchies; h++) {
      List<long[]> kept = new ArrayList<>();
      for (long[] cell : finals.get(h)) {
        if (cell[1] > params.tmin(h)) {
          kept.add(cell);
        }
      }
      kept.sort((a, b) -> Long.compareUnsigned(a[0], b[0]));
      cellIds[h] = new long[kept.size()];
      cellCounts[h] = new long[kept.size()];
      for (int i = 0; i < kept.size(); i++) {
        cellIds[h][i] = kept.get(i)[0];
        cellCounts[h][i] = kept.get(i)[1];
      }
      LOG.info("Hierarchy {} (tmin={}, tmax={}): {} classes", h + 1, params.tmin(h), params.tmax(h), kept.size());
    }
    return new Partitioning(params, cellIds, cellCounts);
  }

  private static int indexOf(CellCounts counts, long cellId) {
    int i = counts.indexOf(cellId);
    if (i < 0) {
      throw new IllegalStateException("Cell " + CellIds.toToken(cellId) + " missing from counts");
    }
    return i;
  }

}
