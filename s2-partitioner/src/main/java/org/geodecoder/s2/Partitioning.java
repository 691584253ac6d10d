package org.geodecoder.s2;

/**
 * The result of {@link AdaptivePartitioner}: for each hierarchy (coarsest first) its classes,
 * i.e. final S2 cells sorted by cell id, with their image counts. Class label {@code k} of a
 * hierarchy is its {@code k}-th cell in S2 order, which makes labels deterministic. Immutable;
 * the arrays are never exposed.
 */
public final class Partitioning {
  private final PartitionParams params;
  private final long[][] cellIds;
  private final long[][] counts;

  Partitioning(PartitionParams params, long[][] cellIds, long[][] counts) {
    this.params = params;
    this.cellIds = cellIds;
    this.counts = counts;
  }

  public PartitionParams params() {
    return params;
  }

  public int hierarchies() {
    return cellIds.length;
  }

  public int classes(int hierarchy) {
    return cellIds[hierarchy].length;
  }

  public long cellId(int hierarchy, int classLabel) {
    return cellIds[hierarchy][classLabel];
  }

  public long count(int hierarchy, int classLabel) {
    return counts[hierarchy][classLabel];
  }

  /** Class of the cell in a hierarchy, or -1 if the cell is not a class there. */
  public int classOf(int hierarchy, long cellId) {
    int i = CellIds.binarySearchUnsigned(cellIds[hierarchy], 0, cellIds[hierarchy].length, cellId);
    return i >= 0 ? i : -1;
  }

  /** A labeler answering "which class holds this leaf?" for every hierarchy. */
  public LeafLabeler labeler() {
    return new LeafLabeler(cellIds);
  }
}
