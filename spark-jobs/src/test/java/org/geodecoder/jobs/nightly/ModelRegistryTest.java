package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
  private static final Clock CLOCK = Clock.fixed(Instant.parse("2025-06-01T02:00:00Z"), ZoneOffset.UTC);
  private static final PromotionPolicy POLICY = new PromotionPolicy(new double[] {25, 750}, 1.0);
  @TempDir java.nio.file.Path tmp;

  /** A trained run's outputs: model dir, metrics.json, cells.parquet (stand-ins with real files). */
  private ModelRegistry.Candidate candidate(String run, double a25, double a750, int generation, String mode) throws Exception {
    java.nio.file.Path dir = tmp.resolve("runs").resolve(run);
    Files.createDirectories(dir.resolve("train/model"));
    Files.writeString(dir.resolve("train/model/model.json"), "{\"run\":\"" + run + "\"}\n");
    Files.write(dir.resolve("train/model/parameters.safetensors"), new byte[] {1, 2, 3, (byte) generation});
    Files.createDirectories(dir.resolve("eval/candidate"));
    Files.writeString(dir.resolve("eval/candidate/metrics.json"),
        PromotionPolicyTest.metricsJson("heldout", a25, 0.5, a750, 0.9));
    Files.createDirectories(dir.resolve("partition/cells.parquet"));
    Files.writeString(dir.resolve("partition/cells.parquet/part-0.parquet"), "cells of " + run);
    return new ModelRegistry.Candidate(run, dir.resolve("train/model").toUri().toString(),
        dir.resolve("eval/candidate/metrics.json").toUri().toString(), dir.resolve("partition/cells.parquet").toUri().toString(),
        generation, mode, "fp-" + generation, "/data/heldout");
  }

  private static EvalMetrics metricsOf(ModelRegistry.Candidate c) throws Exception {
    return EvalMetrics.parse(Files.readString(java.nio.file.Path.of(java.net.URI.create(c.metricsFile()))));
  }

  @Test
  void versionsCurrentPointerAndHistory() throws Exception {
    ModelRegistry reg = ModelRegistry.open(tmp.resolve("registry").toString(), new Configuration(), CLOCK);
    assertTrue(reg.current().isEmpty());
    java.nio.file.Path root = tmp.resolve("registry");

    // 1. First model: promoted to v0001.
    ModelRegistry.Candidate c1 = candidate("run-0001-a", 0.30, 0.60, 1, "scratch");
    PromotionPolicy.Decision d1 = POLICY.decide(metricsOf(c1), null, null);
    ModelRegistry.Outcome o1 = reg.record(c1, d1, Optional.empty(), POLICY);
    assertEquals("v0001", o1.version().orElseThrow().name());
    assertEquals("v0001\n", Files.readString(root.resolve("current")));

    // 2. Worse beyond the margin: rejected, current unchanged, no version.
    ModelRegistry.Candidate c2 = candidate("run-0002-b", 0.25, 0.61, 1, "fine-tune");
    ModelRegistry.Version v1 = reg.current().orElseThrow();
    PromotionPolicy.Decision d2 = POLICY.decide(metricsOf(c2), metricsOf(c1), v1.name());
    ModelRegistry.Outcome o2 = reg.record(c2, d2, Optional.of(v1), POLICY);
    assertTrue(o2.version().isEmpty());
    assertEquals("v0001", reg.current().orElseThrow().name());

    // 3. Within the margin, new generation: promoted to v0002.
    ModelRegistry.Candidate c3 = candidate("run-0003-c", 0.295, 0.65, 2, "scratch");
    PromotionPolicy.Decision d3 = POLICY.decide(metricsOf(c3), metricsOf(c1), v1.name());
    reg.record(c3, d3, Optional.of(v1), POLICY);
    // Recording the same run again (a resumed run) changes nothing.
    reg.record(c3, d3, Optional.of(v1), POLICY);

    assertEquals("v0002\n", Files.readString(root.resolve("current")));
    assertEquals(List.of("v0001", "v0002"), reg.versions().stream().map(ModelRegistry.Version::name).toList());
    ModelRegistry.Version v2 = reg.current().orElseThrow();
    assertEquals(new ModelRegistry.Version("v0002", 2, "run-0003-c", 2, "scratch", "fp-2", "/data/heldout", CLOCK.instant()), v2);
    assertEquals(2, reg.maxGeneration());
    // The version holds copies of the model, metrics and cells, not references.
    assertEquals("{\"run\":\"run-0001-a\"}\n", Files.readString(root.resolve("versions/v0001/model/model.json")));
    assertTrue(Files.exists(root.resolve("versions/v0002/model/parameters.safetensors")));
    assertTrue(Files.readString(root.resolve("versions/v0002/metrics.json")).contains("\"25\":0.295"));
    assertTrue(Files.exists(root.resolve("versions/v0002/cells.parquet/part-0.parquet")));
    assertTrue(Files.exists(root.resolve("versions/v0002/_COMPLETE")));

    String model1 = c1.modelDir();
    List<String> expected = List.of(
        "{\"time\":\"2025-06-01T02:00:00Z\",\"run\":\"run-0001-a\",\"decision\":\"promoted\",\"version\":\"v0001\","
            + "\"previous\":null,\"generation\":1,\"mode\":\"scratch\",\"margin_points\":1.0,\"thresholds_km\":[25,750],"
            + "\"reason\":\"first model: there is no current model to compare with\",\"comparisons\":["
            + "{\"dataset\":\"heldout\",\"threshold_km\":25,\"candidate_percent\":30.0,\"current_percent\":null,\"delta_points\":null},"
            + "{\"dataset\":\"heldout\",\"threshold_km\":750,\"candidate_percent\":60.0,\"current_percent\":null,\"delta_points\":null}],"
            + "\"candidate_model\":\"" + model1 + "\",\"candidate_metrics\":\"" + c1.metricsFile() + "\"}",
        "{\"time\":\"2025-06-01T02:00:00Z\",\"run\":\"run-0002-b\",\"decision\":\"rejected\",\"version\":null,"
            + "\"previous\":\"v0001\",\"generation\":1,\"mode\":\"fine-tune\",\"margin_points\":1.0,\"thresholds_km\":[25,750],"
            + "\"reason\":\"worse than v0001 by more than the margin of 1.00 points at heldout@25km 25.00% vs 30.00% (-5.00)\","
            + "\"comparisons\":["
            + "{\"dataset\":\"heldout\",\"threshold_km\":25,\"candidate_percent\":25.0,\"current_percent\":30.0,\"delta_points\":-5.0},"
            + "{\"dataset\":\"heldout\",\"threshold_km\":750,\"candidate_percent\":61.0,\"current_percent\":60.0,\"delta_points\":1.0}],"
            + "\"candidate_model\":\"" + c2.modelDir() + "\",\"candidate_metrics\":\"" + c2.metricsFile() + "\"}",
        "{\"time\":\"2025-06-01T02:00:00Z\",\"run\":\"run-0003-c\",\"decision\":\"promoted\",\"version\":\"v0002\","
            + "\"previous\":\"v0001\",\"generation\":2,\"mode\":\"scratch\",\"margin_points\":1.0,\"thresholds_km\":[25,750],"
            + "\"reason\":\"within the margin of 1.00 points of v0001 (largest drop: heldout@25km 29.50% vs 30.00% (-0.50))\","
            + "\"comparisons\":["
            + "{\"dataset\":\"heldout\",\"threshold_km\":25,\"candidate_percent\":29.5,\"current_percent\":30.0,\"delta_points\":-0.5},"
            + "{\"dataset\":\"heldout\",\"threshold_km\":750,\"candidate_percent\":65.0,\"current_percent\":60.0,\"delta_points\":5.0}],"
            + "\"candidate_model\":\"" + c3.modelDir() + "\",\"candidate_metrics\":\"" + c3.metricsFile() + "\"}");
    assertEquals(expected, Files.readAllLines(root.resolve("history.jsonl")));
    assertEquals(expected, reg.history());
  }

  @Test
  void anInterruptedCopyIsRemovedAndTheRunsVersionIsMadeAgain() throws Exception {
    ModelRegistry reg = ModelRegistry.open(tmp.resolve("registry").toString(), new Configuration(), CLOCK);
    ModelRegistry.Candidate c1 = candidate("run-0001-a", 0.30, 0.60, 1, "scratch");
    // A copy killed half-way: a version directory without _COMPLETE.
    java.nio.file.Path partial = tmp.resolve("registry/versions/v0001/model");
    Files.createDirectories(partial);
    Files.writeString(partial.resolve("model.json"), "half");
    assertTrue(reg.versions().isEmpty());
    assertTrue(reg.current().isEmpty());

    ModelRegistry.Version v = reg.addVersion(c1);
    assertEquals("v0001", v.name());
    assertEquals("{\"run\":\"run-0001-a\"}\n", Files.readString(partial.resolve("model.json")));
    assertEquals(v, reg.addVersion(c1), "idempotent per run");
    assertEquals(1, reg.versions().size());
    assertFalse(reg.hasHistoryFor("run-0001-a"), "addVersion alone records no decision");
  }
}
