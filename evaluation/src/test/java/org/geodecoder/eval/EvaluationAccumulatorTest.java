package org.geodecoder.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class EvaluationAccumulatorTest {
  private static final double R = GreatCircle.EARTH_RADIUS_KM;

  /** A row whose prediction lies exactly {@code km} north of the truth along a meridian. */
  private static PredictionRow north(String dataset, double lat, double lon, double km) {
    return PredictionRow.of(dataset, lat, lon, lat + Math.toDegrees(km / R), lon);
  }

  private static List<PredictionRow> handRows() {
    List<PredictionRow> rows = new ArrayList<>();
    double[] km = {0.5, 10, 100, 500, 1000, 5000};
    int[] scene3 = {0, 0, 1, 1, 2, -1};
    int[] scene16 = {3, 3, 3, 5, 5, -1};
    int[][] predicted = {{1, 2, 3}, {1, 2, 4}, {1, 5, 6}, {0, 0, 0}, null, {7, 8, 9}};
    int[][] truth = {{1, 2, 3}, {1, 2, 3}, {1, 2, -1}, {1, 2, 3}, null, {7, 8, 9}};
    for (int i = 0; i < km.length; i++) {
      rows.add(north("Im2GPS3k", -30 + 10 * i, -170 + 50 * i, km[i])
          .withScenes(scene3[i], scene16[i])
          .withClasses(predicted[i], truth[i]));
    }
    rows.add(north("custom", 0, 0, 42));
    rows.add(north("YFCC4k", 5, 5, 2));
    rows.add(north("YFCC4k", 5, 5, 30));
    rows.add(north("YFCC4k", 5, 5, 3000));
    return rows;
  }

  @Test
  void perDatasetCountsMediansScenesAndHierarchies() {
    EvaluationAccumulator acc = EvaluationAccumulator.create();
    for (PredictionRow row : handRows()) {
      acc.add(row);
    }
    assertEquals(10, acc.count());
    EvaluationResult result = acc.result();

    assertEquals(List.of("Im2GPS3k", "YFCC4k", "custom"),
        result.datasets().stream().map(DatasetEvaluation::name).toList());

    DatasetEvaluation im2gps3k = result.dataset("Im2GPS3k").orElseThrow();
    ErrorStats all = im2gps3k.overall();
    assertEquals(6, all.count());
    long[] within = {1, 2, 3, 4, 5};
    for (int i = 0; i < within.length; i++) {
      assertEquals(within[i], all.withinCount(i), "threshold " + i);
    }
    assertEquals(300, all.medianKm(), 1e-8);
    assertEquals(6610.5 / 6, all.meanKm(), 1e-8);

    Map<Integer, ErrorStats> s3 = im2gps3k.byScene3();
    assertEquals(List.of(0, 1, 2), List.copyOf(s3.keySet()));
    assertEquals(2, s3.get(0).count());
    assertEquals(5.25, s3.get(0).medianKm(), 1e-8);
    assertEquals(300, s3.get(1).medianKm(), 1e-8);
    assertEquals(1, s3.get(2).count());
    assertEquals(0, s3.get(2).withinCount(3)); // 1000 km > 750 km
    Map<Integer, ErrorStats> s16 = im2gps3k.byScene16();
    assertEquals(List.of(3, 5), List.copyOf(s16.keySet()));
    assertEquals(10, s16.get(3).medianKm(), 1e-8);
    assertEquals(750, s16.get(5).medianKm(), 1e-8);

    assertEquals(
        List.of(new HierarchyAccuracy(1, 5, 4), new HierarchyAccuracy(2, 5, 3),
            new HierarchyAccuracy(3, 4, 2)),
        im2gps3k.hierarchies());
    assertEquals(0.5, im2gps3k.hierarchies().get(2).accuracy(), 0.0);

    DatasetEvaluation yfcc = result.dataset("YFCC4k").orElseThrow();
    assertEquals(3, yfcc.overall().count());
    assertEquals(30, yfcc.overall().medianKm(), 1e-8);
    assertTrue(yfcc.byScene3().isEmpty());
    assertTrue(yfcc.hierarchies().isEmpty());
    assertEquals(3, yfcc.mapSample().size());
  }

  @Test
  void addReturnsTheDistanceAndTheColumnBatchPathAgrees() {
    EvaluationAccumulator rows = EvaluationAccumulator.create();
    double d = rows.add("a", 48.8566, 2.3522, 51.5074, -0.1278);
    assertEquals(GreatCircle.distanceKm(48.8566, 2.3522, 51.5074, -0.1278), d, 0.0);
    rows.add("a", 0, 0, 0, 1);
    EvaluationAccumulator batch = EvaluationAccumulator.create().addAll("a",
        new double[] {48.8566, 0}, new double[] {2.3522, 0},
        new double[] {51.5074, 0}, new double[] {-0.1278, 1});
    ErrorStats x = rows.result().datasets().get(0).overall();
    ErrorStats y = batch.result().datasets().get(0).overall();
    assertEquals(x.medianKm(), y.medianKm(), 0.0);
    assertEquals(x.meanKm(), y.meanKm(), 0.0);
  }

  @Test
  void mergedPartitionsGiveTheSameResultAsOneAccumulator() throws Exception {
    SplittableRandom random = new SplittableRandom(3);
    EvaluationAccumulator whole = EvaluationAccumulator.create(500);
    EvaluationAccumulator[] parts = new EvaluationAccumulator[4];
    for (int p = 0; p < parts.length; p++) {
      parts[p] = EvaluationAccumulator.create(500);
    }
    for (int i = 0; i < 20_000; i++) {
      String dataset = i % 3 == 0 ? "YFCC26k" : "GWS15k";
      double tLat = 180 * random.nextDouble() - 90;
      double tLon = 360 * random.nextDouble() - 180;
      double pLat = 180 * random.nextDouble() - 90;
      double pLon = 360 * random.nextDouble() - 180;
      int s3 = random.nextInt(4) - 1;
      int s16 = random.nextInt(17) - 1;
      whole.add(dataset, tLat, tLon, pLat, pLon, s3, s16);
      parts[random.nextInt(4)].add(dataset, tLat, tLon, pLat, pLon, s3, s16);
    }
    EvaluationAccumulator sequential = EvaluationAccumulator.create(500);
    for (EvaluationAccumulator part : parts) {
      sequential.merge(part);
    }
    EvaluationAccumulator tree = roundTrip(parts[3]).merge(parts[2])
        .merge(roundTrip(parts[1]).merge(parts[0]));

    EvaluationResult expected = whole.result();
    assertSameResult(expected, sequential.result());
    assertSameResult(expected, tree.result());
    assertEquals(500, expected.dataset("GWS15k").orElseThrow().mapSample().size());
  }

  private static EvaluationAccumulator roundTrip(EvaluationAccumulator acc) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(acc);
    }
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      return (EvaluationAccumulator) in.readObject();
    }
  }

  private static void assertSameResult(EvaluationResult expected, EvaluationResult actual) {
    assertEquals(expected.datasets().size(), actual.datasets().size());
    for (int d = 0; d < expected.datasets().size(); d++) {
      DatasetEvaluation e = expected.datasets().get(d);
      DatasetEvaluation a = actual.datasets().get(d);
      assertEquals(e.name(), a.name());
      assertSameStats(e.overall(), a.overall());
      assertEquals(e.byScene3().keySet(), a.byScene3().keySet());
      for (int label : e.byScene3().keySet()) {
        assertSameStats(e.byScene3().get(label), a.byScene3().get(label));
      }
      assertEquals(e.byScene16().keySet(), a.byScene16().keySet());
      for (int label : e.byScene16().keySet()) {
        assertSameStats(e.byScene16().get(label), a.byScene16().get(label));
      }
      assertEquals(e.mapSample().size(), a.mapSample().size());
      for (int i = 0; i < e.mapSample().size(); i++) {
        assertEquals(e.mapSample().errorKm(i), a.mapSample().errorKm(i), 0.0);
        assertEquals(e.mapSample().trueLatDegrees(i), a.mapSample().trueLatDegrees(i), 0.0);
      }
    }
  }

  private static void assertSameStats(ErrorStats e, ErrorStats a) {
    assertEquals(e.count(), a.count());
    for (int i = 0; i < e.thresholds().size(); i++) {
      assertEquals(e.withinCount(i), a.withinCount(i));
    }
    assertEquals(e.medianKm(), a.medianKm(), 0.0);
    assertEquals(e.meanKm(), a.meanKm(), 0.0);
    assertArrayEquals(e.percentilesKm(), a.percentilesKm(), 0.0);
    assertArrayEquals(e.histogram().counts(), a.histogram().counts());
  }

  @Test
  void rejectsBadRowsWithMessagesNamingTheArgument() {
    EvaluationAccumulator acc = EvaluationAccumulator.create();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> acc.add("d", Double.NaN, 0, 0, 0));
    assertTrue(e.getMessage().contains("trueLat=NaN"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> acc.add("d", 0, 0, 0, 181));
    assertTrue(e.getMessage().contains("predictedLon=181"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> acc.add(null, 0, 0, 0, 0));
    assertTrue(e.getMessage().contains("dataset"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> acc.add("d", 0, 0, 0, 0, -2, 0));
    assertTrue(e.getMessage().contains("scene3"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> acc.add("d", 0, 0, 0, 0, 0, 0, new int[] {1, 2}, new int[] {1}));
    assertTrue(e.getMessage().contains("predictedClasses and trueClasses"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> acc.merge(acc));
    assertTrue(e.getMessage().contains("itself"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> EvaluationAccumulator.create(-1));
    assertTrue(e.getMessage().contains("mapSampleSize"), e.getMessage());
    // Rejected rows leave nothing behind: no empty dataset "d" in the result.
    assertEquals(0, acc.count());
    assertTrue(acc.result().datasets().isEmpty());
  }

  @Test
  void paperTableLookupIgnoresCaseAndPunctuation() {
    assertEquals(2997, PaperResults.table1Row("im2gps-3k").orElseThrow().images());
    assertArrayEquals(new double[] {0.7, 1.5, 8.7, 26.9, 50.5},
        PaperResults.table1Row("GWS15K").orElseThrow().accuracyPercent(), 0.0);
    assertEquals(0.73, PaperResults.gini("yfcc_26k").orElseThrow(), 0.0);
    assertTrue(PaperResults.table1Row("mp16").isEmpty());
  }
}
