package org.geodecoder.s2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** All-hierarchy labels from the interval table equal one search per hierarchy, everywhere. */
class LeafLabelerTest {
  @Test
  void labelsEqualsPerHierarchyLabelAtRandomLeavesAndAtEveryRangeEnd() {
    double[][] points = PointSets.clustered(60_000, 5);
    CellVocabulary v = Partitioners.inMemory(points[0], points[1], PartitionParams.paperDefaults());
    LeafLabeler labeler = v.labeler();
    int hierarchies = labeler.hierarchies();
    int[] got = new int[hierarchies];
    int[] want = new int[hierarchies];
    SplittableRandom r = new SplittableRandom(11);
    int dropped = 0;
    for (int i = 0; i < 200_000; i++) {
      long leaf = i < points[0].length ? CellIds.leafOf(points[0][i], points[1][i])
          : CellIds.leafOf(Math.toDegrees(Math.asin(2 * r.nextDouble() - 1)), r.nextDouble() * 360 - 180);
      dropped += check(labeler, leaf, got, want) ? 1 : 0;
    }
    // Every leaf range's first and last leaf, and the leaves just outside them (leaf ids are odd).
    for (int h = 0; h < hierarchies; h++) {
      for (CellClass c : v.classesOf(h)) {
        long min = CellIds.rangeMin(c.cellId());
        long max = CellIds.rangeMax(c.cellId());
        for (long leaf : new long[] {min, max, min - 2, max + 2}) {
          check(labeler, leaf, got, want);
        }
      }
    }
    assertTrue(dropped > 0, "some leaves should lie in dropped cells of some hierarchy");
  }

  /** Asserts labels() == label() per hierarchy; returns whether some hierarchy has no class there. */
  private static boolean check(LeafLabeler labeler, long leaf, int[] got, int[] want) {
    boolean none = false;
    for (int h = 0; h < want.length; h++) {
      want[h] = labeler.label(h, leaf);
      none |= want[h] < 0;
    }
    labeler.labels(leaf, got);
    assertArrayEquals(want, got, "leaf " + Long.toUnsignedString(leaf, 16));
    return none;
  }
}
