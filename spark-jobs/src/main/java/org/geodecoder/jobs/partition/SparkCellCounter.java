package org.geodecoder.jobs.partition;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.geodecoder.s2.CellCounter;
import org.geodecoder.s2.CellCounts;
import org.geodecoder.s2.SortedLeafCounter;

/**
 * {@link CellCounter} over leaf cell ids distributed as one sorted {@code long[]} per
 * partition. Each level is one scan: every partition counts its runs of leaves per child cell
 * of the broadcast parents, and Spark sums those per-cell partial counts; only per-cell totals
 * reach the driver, never anything per image.
 */
final class SparkCellCounter implements CellCounter {
  private final JavaSparkContext jsc;
  private final JavaRDD<long[]> sortedLeaves;
  private int levelsCounted;

  SparkCellCounter(JavaSparkContext jsc, JavaRDD<long[]> sortedLeaves) {
    this.jsc = jsc;
    this.sortedLeaves = sortedLeaves;
  }

  @Override
  public CellCounts countChildren(int level, long[] parents) {
    jsc.setJobDescription("partition: count images per level-" + level + " cell");
    Broadcast<long[]> parentsB = jsc.broadcast(parents == null ? new long[0] : parents);
    boolean all = parents == null;
    // Per-partition counts are sorted arrays; a tree of linear merges sums them without a
    // shuffle, and the driver receives one array of per-cell totals.
    CellCounts counts = sortedLeaves
        .map(leaves -> SortedLeafCounter.ofSorted(leaves).countChildren(level, all ? null : parentsB.value()))
        .treeReduce(CellCounts::merge);
    parentsB.destroy();
    levelsCounted++;
    return counts;
  }

  int levelsCounted() {
    return levelsCounted;
  }
}
