package org.geodecoder.eval.analysis;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.geodecoder.geo.City;
import org.junit.jupiter.api.Test;

class DatasetAnalyzerTest {
  private static final List<City> CITIES = List.of(
      new City("Alpha", 10, 10, "AA", "AAA", 100, ""),
      new City("Beta", -20, 100, "BB", "BBB", 50, ""),
      new City("Gamma", 60, -120, "CC", "CCC", 10, ""));

  // 5 images at Alpha, 3 near Beta (0.1 degree ~ 11 km away), none at Gamma, 2 in the ocean.
  private static final double[] LAT = {10, 10, 10, 10, 10, -20.1, -20, -19.9, 0, -50};
  private static final double[] LON = {10, 10, 10, 10, 10.1, 100, 100.1, 100, -30, 0};

  @Test
  void countsImagesPerCityAndTheirInequality() {
    DatasetAnalyzer analyzer = DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 25);
    DatasetAnalysis a = analyzer.analyze("toy", LAT, LON);

    assertEquals("toy", a.dataset());
    assertEquals(10, a.images());
    assertEquals(8, a.assignedImages());
    assertEquals(2, a.unassignedImages());
    assertEquals(2, a.citiesWithImages());
    assertArrayEquals(new long[] {5, 3, 0}, a.imagesPerCity());
    // Gini of {5, 3}: |5 - 3| * 2 / (2 * 2² * 4) = 0.125
    assertEquals(0.125, a.gini(), 1e-15);
    assertEquals(0.125, a.lorenzCurve().gini(), 1e-15);
    assertEquals(List.of("Alpha", "Beta"),
        a.topCities().stream().map(c -> c.city().name()).toList());
    assertEquals(5, a.topCities().get(0).images());
    assertEquals(10, a.density().total());
    assertEquals(5, a.density().count(100, 190)); // lat [10, 11), lon [10, 11)
  }

  @Test
  void radiusDecidesAssignment() {
    // Off-centre images: 0.1 degree of latitude is 11.12 km, of longitude 10.45 km at Beta's
    // latitude (-20) and 10.95 km at Alpha's (10).
    DatasetAnalyzer narrow = DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 10.5);
    DatasetAnalysis a = narrow.analyze("toy", LAT, LON);
    assertEquals(5, a.assignedImages());
    assertArrayEquals(new long[] {4, 1, 0}, a.imagesPerCity());
  }

  @Test
  void mergedSerializedPartitionsEqualTheWhole() throws Exception {
    DatasetAnalyzer analyzer = DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 25);
    DatasetAnalysisAccumulator first = analyzer.newAccumulator("toy");
    DatasetAnalysisAccumulator second = analyzer.newAccumulator("toy");
    for (int i = 0; i < LAT.length; i++) {
      analyzer.add(i < 4 ? first : second, LAT[i], LON[i]);
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(second);
    }
    DatasetAnalysisAccumulator shipped;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      shipped = (DatasetAnalysisAccumulator) in.readObject();
    }
    DatasetAnalysis merged = analyzer.result(first.merge(shipped));
    DatasetAnalysis whole = analyzer.analyze("toy", LAT, LON);
    assertArrayEquals(whole.imagesPerCity(), merged.imagesPerCity());
    assertEquals(whole.unassignedImages(), merged.unassignedImages());
    assertEquals(whole.gini(), merged.gini(), 0.0);
    assertEquals(whole.density().count(100, 190), merged.density().count(100, 190));
  }

  @Test
  void noAssignedImageMeansNoGini() {
    DatasetAnalyzer analyzer = DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 25);
    DatasetAnalysis a = analyzer.analyze("ocean", new double[] {0}, new double[] {-30});
    assertTrue(Double.isNaN(a.gini()));
    assertNull(a.lorenzCurve());
    assertEquals(1, a.unassignedImages());
  }

  @Test
  void rejectsMismatchedAccumulatorsAndBadArguments() {
    DatasetAnalyzer analyzer = DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 25);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> analyzer.newAccumulator("a").merge(analyzer.newAccumulator("b")));
    assertTrue(e.getMessage().contains("Cannot merge the analysis of b"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> DatasetAnalyzer.of(NearestCityIndex.of(CITIES), 0));
    assertTrue(e.getMessage().contains("radiusKm"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> analyzer.newAccumulator("a").add(0, 0, 3));
    assertTrue(e.getMessage().contains("cityIndex"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> analyzer.analyze("a", new double[] {0}, new double[0]));
    assertTrue(e.getMessage().contains("equal lengths"), e.getMessage());
  }
}
