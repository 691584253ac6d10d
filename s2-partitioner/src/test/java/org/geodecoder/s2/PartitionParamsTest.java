package org.geodecoder.s2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PartitionParamsTest {
  @Test
  void paperDefaults() {
    PartitionParams p = PartitionParams.paperDefaults();
    assertEquals(7, p.hierarchies());
    assertEquals(25000, p.tmax(0));
    assertEquals(500, p.tmax(6));
    assertEquals(50, p.tmin(3));
    assertEquals(2, p.minLevel());
    assertEquals(30, p.maxLevel());
  }

  @Test
  void rejectsBadThresholdsNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PartitionParams.of(50, 50));
    assertTrue(e.getMessage().contains("tmin (50) must be smaller than tmax (50)"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PartitionParams.of(5, new long[0]));
    assertTrue(e.getMessage().contains("at least one hierarchy"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PartitionParams.of(5, 100, 1000));
    assertTrue(e.getMessage().contains("coarse to fine"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> PartitionParams.of(new long[] {5}, new long[] {10}, 3, 31));
    assertTrue(e.getMessage().contains("maxLevel=31"), e.getMessage());
  }
}
