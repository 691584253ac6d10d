package org.geodecoder.jobs.partition;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.geodecoder.s2.CellCounter;
import org.geodecoder.s2.CellCounts;
import org.geodecoder.s2.SortedLeafCounter;
import scala.Tuple2;

/**
 * {@link CellCounter} over leaf cell ids distributed as one sorted {@code long[]} per
 * partition. Each level is one scan: every partition counts its runs of leaves per child cell
 * of the broadcast parents, and Spark sums those per-cell partial counts; only per-cell totals
 * reach the driver, never anything per image.
 */
final class SparkCellCounter implements CellCounter {
  private final JavaSparkContext jsc;
  private final JavaRDD<long[]> sortedLeaves;
  private final int reducers;
  private int levelsCounted;

  SparkCellCounter(JavaSparkContext jsc, JavaRDD<long[]> sortedLeaves, int reducers) {
    this.jsc = jsc;
    this.sortedLeaves = sortedLeaves;
    this.reducers = reducers;
  }

  @Override
  public CellCounts countChildren(int level, long[] parents) {
    jsc.setJobDescription("partition: count images per level-" + level + " cell");
    Broadcast<long[]> parentsB = jsc.broadcast(parents == null ? new long[0] : parents);
    boolean all = parents == null;
    List<Tuple2<Long, Long>> pairs = sortedLeaves
        .flatMapToPair(leaves -> pairs(SortedLeafCounter.ofSorted(leaves).countChildren(level, all ? null : parentsB.value())))
        .reduceByKey(Long::sum, reducers)
        .collect();
    parentsB.destroy();
    levelsCounted++;
    long[] ids = new long[pairs.size()];
    long[] counts = new long[pairs.size()];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = pairs.get(i)._1();
      counts[i] = pairs.get(i)._2();
    }
    return CellCounts.fromPairs(ids, counts);
  }

  int levelsCounted() {
    return levelsCounted;
  }

  private static Iterator<Tuple2<Long, Long>> pairs(CellCounts counts) {
    List<Tuple2<Long, Long>> out = new ArrayList<>(counts.size());
    for (int i = 0; i < counts.size(); i++) {
      out.add(new Tuple2<>(counts.cellId(i), counts.count(i)));
    }
    return out.iterator();
  }
}
