package org.geodecoder.s2;

/** Convenience entry points for partitioning point sets held in memory. */
public final class Partitioners {
  private Partitioners() {}

  /**
   * Partitions points given in degrees (validated) on one thread: leaf cells, adaptive
   * partitioning, per-class statistics and the hierarchy tree.
   */
  public static CellVocabulary inMemory(double[] latDegrees, double[] lonDegrees, PartitionParams params) {
    if (latDegrees.length != lonDegrees.length) {
      throw new IllegalArgumentException(
          "latitudes and longitudes differ in length: " + latDegrees.length + " vs " + lonDegrees.length);
    }
    long[] leaves = new long[latDegrees.length];
    for (int i = 0; i < leaves.length; i++) {
      org.geodecoder.geo.GeoPoint.fromDegrees(latDegrees[i], lonDegrees[i]); // validates
      leaves[i] = CellIds.leafOf(latDegrees[i], lonDegrees[i]);
    }
    Partitioning partitioning = AdaptivePartitioner.partition(params, SortedLeafCounter.of(leaves));
    LeafLabeler labeler = partitioning.labeler();
    CellStatistics stats = CellStatistics.forPartitioning(partitioning);
    int[] labels = new int[params.hierarchies()];
    for (int i = 0; i < leaves.length; i++) {
      labeler.labels(leaves[i], labels);
      stats.add(labels, CellStatistics.toE7(latDegrees[i]), CellStatistics.toE7(lonDegrees[i]));
    }
    return CellVocabulary.build(partitioning, stats);
  }
}
