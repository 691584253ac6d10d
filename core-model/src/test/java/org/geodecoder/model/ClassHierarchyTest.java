package org.geodecoder.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import org.junit.jupiter.api.Test;

class ClassHierarchyTest {
  @Test
  void ancestorsFollowTheParentArrays() {
    ClassHierarchy h = TestHierarchies.binary(3);
    assertArrayEquals(new int[] {1, 2, 5}, h.ancestors(2, 5));
    assertEquals(2, h.parent(2, 5));
    assertEquals(-70.0, h.latDegrees(2, 0), 1e-12);
  }

  @Test
  void rejectsAParentOutsideTheCoarserHierarchy() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClassHierarchy.fromArrays(
                    new int[] {2, 3},
                    new int[][] {null, {0, 1, 2}},
                    new double[][] {{0, 0}, {0, 0, 0}},
                    new double[][] {{0, 0}, {0, 0, 0}}));
    assertEquals("Class 2 of hierarchy 1 has parent 2, must be in [0, 2)", e.getMessage());
  }

  @Test
  void rejectsBadCoordinatesAndCounts() {
    IllegalArgumentException lat =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClassHierarchy.fromArrays(
                    new int[] {1}, new int[][] {null}, new double[][] {{91}}, new double[][] {{0}}));
    assertEquals(
        "Class 0 of hierarchy 0 has latitude 91.0, must be in [-90.0, 90.0]", lat.getMessage());
    IllegalArgumentException count =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                ClassHierarchy.fromArrays(
                    new int[] {2, 2},
                    new int[][] {null, {0}},
                    new double[][] {{0, 0}, {0, 0}},
                    new double[][] {{0, 0}, {0, 0}}));
    assertEquals("Hierarchy 1 has 2 classes but 1 parent entries", count.getMessage());
  }

  @Test
  void deviceSpecParsesCpuGpuAndIndex() {
    assertEquals(Device.cpu(), DeviceSpec.parse("cpu"));
    assertEquals(Device.gpu(0), DeviceSpec.parse("GPU"));
    assertEquals(Device.gpu(3), DeviceSpec.parse("gpu:3"));
    assertEquals("gpu:3", DeviceSpec.format(Device.gpu(3)));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> DeviceSpec.parse("gpu:-1"));
    assertEquals("Device must be cpu, gpu or gpu:<index>, got 'gpu:-1'", e.getMessage());
  }
}
