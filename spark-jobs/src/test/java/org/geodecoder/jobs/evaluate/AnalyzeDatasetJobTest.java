package org.geodecoder.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.geo.City;
import org.geodecoder.geo.WorldData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AnalyzeDatasetJobTest {
  @TempDir Path tmp;

  @Test
  void giniOfHandCountedCities() throws Exception {
    City tokyo = WorldData.cities().stream().filter(c -> c.name().equals("Tokyo")).findFirst().orElseThrow();
    City paris = WorldData.cities().stream().filter(c -> c.name().equals("Paris") && c.iso2().equals("FR")).findFirst().orElseThrow();
    List<String> lines = new ArrayList<>(List.of("id,lat,lon"));
    for (int i = 0; i < 10; i++) {
      lines.add("t" + i + "," + tokyo.latDegrees() + "," + tokyo.lonDegrees());
    }
    lines.add("p," + paris.latDegrees() + "," + paris.lonDegrees());
    lines.add("sea,0.0,-30.0"); // mid-Atlantic: no city within 25 km
    Path in = Files.write(tmp.resolve("places.csv"), lines);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("AnalyzeDatasetJobTest")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      List<DatasetAnalysis> result = AnalyzeDatasetJob.run(spark, List.of(new org.geodecoder.jobs.io.NamedInputs.NamedInput("places", in.toString())),
          tmp.resolve("out").toString(), 25, false);
      DatasetAnalysis a = result.get(0);
      assertEquals(12, a.images());
      assertEquals(11, a.assignedImages());
      assertEquals(2, a.citiesWithImages());
      // G = sum_ij |x_i - x_j| / (2 n^2 mean) with counts {10, 1}: 18 / (2 * 4 * 5.5)
      assertEquals(18.0 / 44.0, a.gini(), 1e-12);
      JsonNode json = new ObjectMapper().readTree(tmp.resolve("out/analysis.json").toFile());
      assertEquals(18.0 / 44.0, json.get("places").get("gini").asDouble(), 1e-12);
      assertTrue(Files.size(tmp.resolve("out/lorenz-curve.png")) > 1000);
      assertTrue(Files.size(tmp.resolve("out/density-places.png")) > 1000);
    } finally {
      spark.stop();
    }
  }
}
