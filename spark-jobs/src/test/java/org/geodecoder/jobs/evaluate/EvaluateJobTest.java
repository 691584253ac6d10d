package org.geodecoder.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.GreatCircle;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluateJobTest {
  @TempDir Path tmp;

  /** Due north of (lat0, 10°) by d km. */
  private static double latNorth(double lat0, double km) {
    return GreatCircle.destination(lat0, 10, 0, km).latDegrees();
  }

  @Test
  void knownDistancesGiveExactAccuraciesAcrossPredictionSetsAndGroundTruth() throws Exception {
    double[] km = {0.5, 10, 300, 3000, 5000};
    List<String> a = new ArrayList<>(List.of("id,lat,lon,true_lat,true_lon,class_label_h1,class_label_h2"));
    List<String> labels = new ArrayList<>(List.of("id,label_h1,label_h2"));
    List<String> truth = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON"));
    List<String> b = new ArrayList<>(List.of("id,lat,lon"));
    for (int i = 0; i < km.length; i++) {
      // h1: all correct; h2: right for the first 2 of the 4 labelled (a4 has no class: -1).
      a.add("a" + i + "," + latNorth(20, km[i]) + ",10.0,20.0,10.0,7," + (i < 2 ? 3 : 9));
      labels.add("a" + i + ",7," + (i == 4 ? -1 : 3));
      truth.add("b" + i + ",x,-30.0,10.0");
      b.add("b" + i + "," + latNorth(-30, km[km.length - 1 - i]) + ",10.0");
    }
    b.add("nobody,1.0,1.0"); // no ground truth for this id
    Path pa = Files.write(tmp.resolve("ours.csv"), a);
    Path pt = Files.write(tmp.resolve("truth.csv"), truth);
    Path pbCsv = Files.write(tmp.resolve("b.csv"), b);
    SparkSession spark = SparkSession.builder().master("local[2]").appName("EvaluateJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    try {
      spark.read().option("header", "true").csv(pbCsv.toString()).write().parquet(tmp.resolve("other.parquet").toString());
      Map<String, String> opts = new HashMap<>();
      opts.put("predictions", "ours=" + pa + "," + tmp.resolve("other.parquet"));
      opts.put("ground-truth", pt.toString());
      opts.put("output", tmp.resolve("out").toString());
      opts.put("max-reject-fraction", "0.2");
      spark.read().option("header", "true").option("inferSchema", "true").csv(Files.write(tmp.resolve("labels.csv"), labels).toString())
          .write().parquet(tmp.resolve("labels.parquet").toString());
      opts.put("labels", tmp.resolve("labels.parquet").toString());
      EvaluationResult r = EvaluateJob.run(spark, EvaluateJob.parse(opts));

      for (String name : List.of("ours", "other")) {
        DatasetEvaluation d = r.dataset(name).orElseThrow(() -> new AssertionError("missing " + name));
        assertEquals(5, d.overall().count());
        double[] expected = {0.2, 0.4, 0.4, 0.6, 0.6};
        for (int t = 0; t < expected.length; t++) {
          assertEquals(expected[t], d.overall().accuracy(t), 1e-12, name + " threshold " + t);
        }
        assertEquals(300, d.overall().medianKm(), 1e-6, name + " median");
      }
      var hierarchies = r.dataset("ours").orElseThrow().hierarchies();
      assertEquals(2, hierarchies.size());
      assertEquals(5, hierarchies.get(0).labelled());
      assertEquals(5, hierarchies.get(0).correct());
      assertEquals(4, hierarchies.get(1).labelled(), "a4 has no class in h2");
      assertEquals(2, hierarchies.get(1).correct());
      assertEquals(1, spark.read().parquet(tmp.resolve("out/rejects").toString()).filter("reason = 'no_ground_truth'").count());
      assertEquals(10, spark.read().parquet(tmp.resolve("out/per_image.parquet").toString()).count());
      for (String f : List.of("metrics.json", "report.md", "accuracy-curve.png", "error-histogram.png")) {
        assertTrue(Files.size(tmp.resolve("out").resolve(f)) > 100, f);
      }
      String report = Files.readString(tmp.resolve("out/report.md"));
      assertTrue(report.contains("ours") && report.contains("other"), report);
    } finally {
      spark.stop();
    }
  }
}
