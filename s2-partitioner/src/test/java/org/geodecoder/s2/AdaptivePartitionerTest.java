package org.geodecoder.s2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.geometry.S2CellId;
import com.google.common.geometry.S2LatLng;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class AdaptivePartitionerTest {

  static Stream<Arguments> pointSets() {
    return Stream.of(
        Arguments.of("uniform", PointSets.uniform(20_000, 1), PartitionParams.of(5, 4000, 1000, 200, 40, 12)),
        Arguments.of("clustered", PointSets.clustered(30_000, 2), PartitionParams.of(10, 5000, 2000, 500, 100, 50, 30, 20)),
        Arguments.of("adversarial", PointSets.adversarial(3), PartitionParams.of(3, 600, 200, 50, 10)),
        Arguments.of("one face", PointSets.oneFace(10_000, 4), PartitionParams.of(2, 3000, 300, 30)),
        Arguments.of("paper thresholds", PointSets.clustered(60_000, 5), PartitionParams.paperDefaults()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pointSets")
  void matchesReferenceExactly(String name, double[][] points, PartitionParams params) {
    double[] lat = points[0];
    double[] lon = points[1];
    CellVocabulary vocabulary = Partitioners.inMemory(lat, lon, params);
    LeafLabeler labeler = vocabulary.labeler();

    for (int h = 0; h < params.hierarchies(); h++) {
      ReferencePartitioner.Result ref =
          ReferencePartitioner.partition(lat, lon, params.tmin(h), params.tmax(h), params.minLevel(), params.maxLevel());
      List<Long> ids = new ArrayList<>();
      List<Long> counts = new ArrayList<>();
      for (CellClass c : vocabulary.classesOf(h)) {
        ids.add(c.cellId());
        counts.add(c.count());
      }
      assertEquals(ref.cells(), ids, name + ": cells of hierarchy " + (h + 1));
      assertEquals(ref.counts(), counts, name + ": counts of hierarchy " + (h + 1));
      int[] labels = new int[lat.length];
      for (int i = 0; i < lat.length; i++) {
        labels[i] = labeler.label(h, CellIds.leafOf(lat[i], lon[i]));
      }
      assertArrayEquals(ref.labelOfImage(), labels, name + ": labels of hierarchy " + (h + 1));
      assertTrue(ids.size() > 0, name + ": hierarchy " + (h + 1) + " must have classes");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("pointSets")
  void hierarchiesNestAndParentsContainChildren(String name, double[][] points, PartitionParams params) {
    CellVocabulary vocabulary = Partitioners.inMemory(points[0], points[1], params);
    for (int h = 1; h < vocabulary.hierarchies(); h++) {
      for (CellClass c : vocabulary.classesOf(h)) {
        CellClass parent = vocabulary.cell(h - 1, c.parentClass());
        assertTrue(new S2CellId(parent.cellId()).contains(new S2CellId(c.cellId())),
            name + ": " + c + " not inside its parent " + parent);
      }
    }
    // Every image kept by a finer hierarchy is kept by the coarser one (not so for class
    // counts: splitting a cell may leave only children with count <= tmin).
    for (int h = 1; h < vocabulary.hierarchies(); h++) {
      long finer = vocabulary.classesOf(h).stream().mapToLong(CellClass::count).sum();
      long coarser = vocabulary.classesOf(h - 1).stream().mapToLong(CellClass::count).sum();
      assertTrue(finer <= coarser, name + ": hierarchy " + (h + 1) + " keeps " + finer + " > " + coarser);
    }
  }

  @Test
  void handComputedSmallCase() {
    // 4 photos at one spot (face 0) and 2 at another (face 1); tmin = 1, tmax = 3.
    // Level 2: A-cell holds 4 (> tmax: split down to level 30, still 4: a leaf class),
    // B-cell holds 2 (<= tmax: stays a level-2 class). Labels in S2 order: face 0 first.
    double[] lat = {10, 10, 10, 10, -40, -40};
    double[] lon = {10, 10, 10, 10, 100, 100};
    CellVocabulary v = Partitioners.inMemory(lat, lon, PartitionParams.of(1, 3));
    assertEquals(2, v.classes(0));
    CellClass a = v.cell(0, 0);
    CellClass b = v.cell(0, 1);
    assertEquals(30, a.level());
    assertEquals(4, a.count());
    assertEquals(S2CellId.fromLatLng(S2LatLng.fromDegrees(10, 10)).toToken(), a.cellToken());
    assertEquals(2, b.level());
    assertEquals(2, b.count());
    assertEquals(S2CellId.fromLatLng(S2LatLng.fromDegrees(-40, 100)).parent(2).toToken(), b.cellToken());
    assertEquals(10.0, a.latMeanDegrees(), 1e-9);
    assertEquals(100.0, b.lonDegrees(), 1e-6);

    // Same points, tmin = 2: the B cell (2 photos, count <= tmin) is dropped.
    CellVocabulary dropped = Partitioners.inMemory(lat, lon, PartitionParams.of(2, 3));
    assertEquals(1, dropped.classes(0));
    assertEquals(-1, dropped.labeler().label(0, CellIds.leafOf(-40, 100)));
    assertEquals(0, dropped.labeler().label(0, CellIds.leafOf(10, 10)));
  }

  @Test
  void splitsIntoChildrenAndDropsSmallChildren() {
    // 6 photos in one level-2 cell: 5 at P, 1 at Q far away inside the same level-2 cell.
    // tmin = 1, tmax = 5: level 2 count 6 > 5 splits; Q's subtree ends with 1 photo (<= tmin),
    // dropped at the end; P's ends at level 30 with 5.
    S2CellId l2 = S2CellId.fromLatLng(S2LatLng.fromDegrees(30, 30)).parent(2);
    S2LatLng p = l2.child(0).toLatLng();
    S2LatLng q = l2.child(3).toLatLng();
    double[] lat = {p.latDegrees(), p.latDegrees(), p.latDegrees(), p.latDegrees(), p.latDegrees(), q.latDegrees()};
    double[] lon = {p.lngDegrees(), p.lngDegrees(), p.lngDegrees(), p.lngDegrees(), p.lngDegrees(), q.lngDegrees()};
    CellVocabulary v = Partitioners.inMemory(lat, lon, PartitionParams.of(1, 5));
    assertEquals(1, v.classes(0));
    assertEquals(3, v.cell(0, 0).level(), "P's count drops to 5 at level 3, which stops the split");
    assertEquals(l2.child(0).toToken(), v.cell(0, 0).cellToken());
    assertEquals(5, v.cell(0, 0).count());
  }

  @Test
  void antimeridianSphericalMeanIsCorrectWherePlainMeanIsNot() {
    // Two photos either side of the antimeridian: it runs through the middle of face 3, a
    // cell boundary from level 1 on, so partition at level 0 (face cells only).
    double[] lat = {0.5, 0.5};
    double[] lon = {179.9, -179.9};
    CellVocabulary v = Partitioners.inMemory(lat, lon, PartitionParams.of(new long[] {0}, new long[] {10}, 0, 0));
    assertEquals(1, v.classes(0));
    CellClass c = v.cell(0, 0);
    assertEquals(0, c.level());
    assertEquals(180.0, Math.abs(c.lonDegrees()), 1e-6, "spherical mean sits on the antimeridian");
    assertEquals(0.5, c.latDegrees(), 1e-3);
    assertEquals(0.0, c.lonMeanDegrees(), 1e-9, "the plain mean lands on the wrong side of the Earth");
  }

  @Test
  void statisticsAreIndependentOfOrder() {
    double[][] p = PointSets.clustered(20_000, 9);
    PartitionParams params = PartitionParams.of(5, 2000, 300, 50);
    CellVocabulary a = Partitioners.inMemory(p[0], p[1], params);
    int n = p[0].length;
    double[] lat = new double[n];
    double[] lon = new double[n];
    for (int i = 0; i < n; i++) {
      lat[i] = p[0][n - 1 - i];
      lon[i] = p[1][n - 1 - i];
    }
    CellVocabulary b = Partitioners.inMemory(lat, lon, params);
    for (int h = 0; h < 3; h++) {
      assertEquals(a.toGeoEstimationCsv(h), b.toGeoEstimationCsv(h));
      assertEquals(a.classesOf(h), b.classesOf(h));
    }
  }
}
