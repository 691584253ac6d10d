package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.eval.report.TrainingReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training report from a run directory's metrics.jsonl, in the lines the train job writes. */
class TrainReportTest {
  @TempDir Path run;

  private static final String STEP =
      "{\"type\":\"step\",\"epoch\":%d,\"step\":%d,\"lr\":0.02,\"loss\":%s,\"loss_h1\":1.5,\"loss_scene\":null,"
          + "\"grad_norm\":1.25,\"samples\":32,\"samples_per_s\":40.000}";
  private static final String EPOCH =
      "{\"type\":\"epoch\",\"epoch\":%d,\"step\":%d,\"seconds\":12.500,\"train_seconds\":12.000,\"sync_seconds\":0.000,"
          + "\"samples\":64,\"bad_samples\":{},\"validation\":{\"count\":16,\"acc_1km\":0.0,\"acc_25km\":0.0625,"
          + "\"acc_200km\":0.25,\"acc_750km\":0.5,\"acc_2500km\":%s,\"median_km\":812.5,\"acc_class_h1\":0.375}}";

  @Test
  void parsesStepAndEpochLinesAndWritesTheReportIntoTheRunDirectory() throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add(String.format(STEP, 1, 1, "4.5"));
    lines.add(String.format(STEP, 1, 2, "4.25"));
    lines.add(String.format(EPOCH, 1, 2, "0.75"));
    lines.add(String.format(STEP, 2, 3, "null"));
    lines.add(String.format(STEP, 2, 4, "3.5"));
    lines.add(String.format(EPOCH, 2, 4, "0.875"));
    Files.write(run.resolve(RunDirectory.METRICS), lines);
    Files.writeString(run.resolve(RunDirectory.CONFIG), "{\"options\":{\"preset\":\"micro\",\"epochs\":\"2\",\"init\":\"\"}}");

    List<TrainingReport.Step> steps = new ArrayList<>();
    List<TrainingReport.Epoch> epochs = new ArrayList<>();
    TrainReport.parseMetrics(String.join("\n", lines), steps, epochs);
    assertEquals(4, steps.size());
    assertEquals(4.25, steps.get(1).loss());
    assertTrue(Double.isNaN(steps.get(2).loss()), "a null loss is NaN, not 0");
    assertEquals(2, epochs.size());
    assertEquals(0.875, epochs.get(1).validation().get("acc_2500km"));
    assertEquals(812.5, epochs.get(0).validation().get("median_km"));

    TrainReport.write(run.toUri().toString(), new Configuration());
    assertEquals(Map.of("h1", 1.5), Map.of("h1", steps.get(0).lossTerms().get("h1")));
    assertTrue(Double.isNaN(steps.get(0).lossTerms().get("scene")), "a null term is NaN");
    assertEquals(40.0, steps.get(0).samplesPerSecond());
    for (String f : List.of("report.md", "report.html", "loss.png", "loss-terms.png", "learning-rate.png", "throughput.png",
        "validation.png", "median-km.png")) {
      assertTrue(Files.isRegularFile(run.resolve(f)), f);
    }
    String md = Files.readString(run.resolve("report.md"));
    assertTrue(md.contains("| 2 | 4 | 13 | 0.0 | 6.3 | 25.0 | 50.0 | 87.5 | 37.5 | 813 |"), md);
    assertTrue(md.contains("| preset | micro |") && md.contains("| epochs | 2 |") && !md.contains("| init |"), md);
  }

  @Test
  void aRunWithoutMetricsGetsNoReportAndNoFailure() {
    TrainReport.write(run.toUri().toString(), new Configuration());
    assertTrue(!Files.exists(run.resolve("report.html")));
  }
}
