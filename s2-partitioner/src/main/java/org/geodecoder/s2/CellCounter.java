package org.geodecoder.s2;

/**
 * Counts images per S2 cell on demand. The partitioner asks one question per level ("how many
 * images lie in each level-{@code L} cell below these parents?"), so an implementation can
 * answer it with a scan over distributed data and return only per-cell totals: nothing
 * proportional to the number of images reaches the caller.
 */
public interface CellCounter {
  /**
   * Counts images per cell of {@code level} among the images whose ancestor at {@code level - 1}
   * is in {@code parents}; when {@code parents} is null, counts every image (used for the first
   * level). Cells without images are absent from the result.
   *
   * @param level the level of the returned cells, in [0, 30]
   * @param parents sorted (unsigned) ids of level {@code level - 1} cells, or null
   */
  CellCounts countChildren(int level, long[] parents);
}
