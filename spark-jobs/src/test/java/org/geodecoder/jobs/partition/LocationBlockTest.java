package org.geodecoder.jobs.partition;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.catalyst.expressions.codegen.UnsafeRowWriter;
import org.apache.spark.unsafe.types.UTF8String;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellStatistics;
import org.geodecoder.s2.SortedLeafCounter;
import org.junit.jupiter.api.Test;
import scala.Tuple2;

/** The partition job's compact row blocks and its duplicate-hash search, without Spark. */
class LocationBlockTest {
  @Test
  void blockKeepsIdsLocationsAndSortedFitLeavesAndDropsRowsByHash() {
    LocationBlock.Builder b = new LocationBlock.Builder(true, 1); // grows from the smallest capacity
    double[][] p = {{48.8566, 2.3522}, {-33.8688, 151.2093}, {40.7128, -74.006}, {35.6762, 139.6503}};
    String[] ids = {"paris.jpg", "sydney/ü.jpg", "ny.jpg", "tokyo.jpg"};
    for (int i = 0; i < 40; i++) {
      int k = i % 4;
      b.add(UTF8String.fromString(ids[k] + i), p[k][0], p[k][1], 1000 + i, k != 2);
    }
    b.rowRejects = 3;
    LocationBlock block = b.build();
    assertEquals(40, block.size());
    assertEquals(30, block.fitCount());
    assertEquals(3, block.rowRejects());
    assertEquals("sydney/ü.jpg1", block.id(1));
    UnsafeRowWriter w = new UnsafeRowWriter(2);
    w.reset();
    w.zeroOutNullBytes();
    block.writeId(w, 0, 1);
    w.write(1, 7);
    assertEquals("sydney/ü.jpg1", w.getRow().getUTF8String(0).toString()); // labels.parquet's rows
    assertEquals(7, w.getRow().getInt(1));
    assertEquals(CellIds.leafOf(p[3][0], p[3][1]), block.leaf(7));
    assertEquals(CellStatistics.toE7(p[1][1]), block.lonE7(5));
    assertFalse(block.fits(2));
    long[] expected = new long[30];
    for (int i = 0, n = 0; i < 40; i++) {
      if (i % 4 != 2) {
        expected[n++] = CellIds.leafOf(p[i % 4][0], p[i % 4][1]);
      }
    }
    assertArrayEquals(SortedLeafCounter.sortUnsigned(expected), block.sortedFitLeaves());

    LocationBlock without = block.without(new long[] {1000, 1005, 1039, 99999});
    assertEquals(37, without.size());
    assertEquals("ny.jpg2", without.id(1));
    assertEquals("ny.jpg38", without.id(without.size() - 1));
    assertEquals(3, without.rowRejects());
  }

  @Test
  void repeatedHashesAreFoundWhateverTheirBucket() {
    long[] hashes = {5, -1, 5, 3, -1, 5, 7, Long.MIN_VALUE, Long.MIN_VALUE, 0};
    List<Tuple2<Integer, long[]>> buckets = DuplicateIds.bucketed(hashes, 3);
    long total = 0;
    for (Tuple2<Integer, long[]> t : buckets) {
      for (long h : t._2()) {
        assertEquals(t._1().intValue(), (int) Math.floorMod(h, 3L), "hash " + h + " in bucket " + t._1());
      }
      total += t._2().length;
    }
    assertEquals(hashes.length, total);
    assertArrayEquals(new long[] {Long.MIN_VALUE, -1, 5}, DuplicateIds.repeated(hashes.clone()));
    assertTrue(DuplicateIds.repeated(new long[] {1, 2, 3}).length == 0);
    assertArrayEquals(new long[0], DuplicateIds.repeated(Arrays.copyOf(hashes, 0)));
  }
}
