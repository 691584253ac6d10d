package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class PromotionPolicyTest {
  private static final double[] TH = {25, 200, 750, 2500};
  private final PromotionPolicy policy = new PromotionPolicy(TH, 1.0);

  /** metrics.json as the evaluate job writes it (fractions keyed by km). */
  static String metricsJson(String dataset, double a25, double a200, double a750, double a2500) {
    return "{\"schemaVersion\":1,\"thresholdsKm\":[1.0,25.0,200.0,750.0,2500.0],\"datasets\":[{\"name\":\"" + dataset
        + "\",\"count\":1000,\"accuracy\":{\"1\":0.01,\"25\":" + a25 + ",\"200\":" + a200 + ",\"750\":" + a750 + ",\"2500\":"
        + a2500 + "},\"withinCount\":{}}]}";
  }

  static EvalMetrics metrics(double a25, double a200, double a750, double a2500) {
    return EvalMetrics.parse(metricsJson("heldout", a25, a200, a750, a2500));
  }

  private final EvalMetrics current = metrics(0.30, 0.45, 0.60, 0.75);

  @Test
  void firstModelIsPromoted() {
    PromotionPolicy.Decision d = policy.decide(metrics(0.01, 0.02, 0.03, 0.04), null, null);
    assertTrue(d.promoted());
    assertEquals("first model: there is no current model to compare with", d.reason());
    assertEquals(4, d.comparisons().size());
    assertNull(d.comparisons().get(0).currentPercent());
    assertEquals(1.0, d.comparisons().get(0).candidatePercent(), 1e-12);
  }

  @Test
  void betterIsPromoted() {
    PromotionPolicy.Decision d = policy.decide(metrics(0.31, 0.46, 0.60, 0.80), current, "v0003");
    assertTrue(d.promoted(), d.reason());
    assertEquals("at least as good as v0003 at every threshold [25, 200, 750, 2500] km", d.reason());
    assertEquals(5.0, d.comparisons().get(3).deltaPoints(), 1e-9);
  }

  @Test
  void worseWithinTheMarginIsPromoted() {
    // 0.9 points lower at 25 km, exactly the margin lower at 200 km: both accepted.
    PromotionPolicy.Decision d = policy.decide(metrics(0.291, 0.44, 0.61, 0.75), current, "v0003");
    assertTrue(d.promoted(), d.reason());
    assertEquals("within the margin of 1.00 points of v0003 (largest drop: heldout@200km 44.00% vs 45.00% (-1.00))", d.reason());
  }

  @Test
  void worseBeyondTheMarginIsRejectedNamingEveryFailingThreshold() {
    PromotionPolicy.Decision d = policy.decide(metrics(0.28, 0.45, 0.55, 0.80), current, "v0003");
    assertFalse(d.promoted());
    assertEquals("worse than v0003 by more than the margin of 1.00 points at heldout@25km 28.00% vs 30.00% (-2.00); "
        + "heldout@750km 55.00% vs 60.00% (-5.00)", d.reason());
  }

  @Test
  void zeroMarginRejectsAnyDrop() {
    PromotionPolicy strict = new PromotionPolicy(TH, 0);
    assertFalse(strict.decide(metrics(0.2999, 0.45, 0.60, 0.75), current, "v1").promoted());
    assertTrue(strict.decide(metrics(0.30, 0.45, 0.60, 0.75), current, "v1").promoted());
  }

  @Test
  void missingFiguresAreRejectedWithTheReason() {
    EvalMetrics no25 = new EvalMetrics(Map.of("heldout", Map.of(200.0, 0.5, 750.0, 0.6, 2500.0, 0.8)));
    PromotionPolicy.Decision d = policy.decide(no25, current, "v0003");
    assertFalse(d.promoted());
    assertEquals("the candidate's metrics have no accuracy at heldout@25km", d.reason());

    d = policy.decide(metrics(0.3, 0.5, 0.6, 0.8), no25, "v0003");
    assertFalse(d.promoted());
    assertTrue(d.reason().startsWith("the metrics of v0003 have no accuracy at heldout@25km"), d.reason());

    d = policy.decide(EvalMetrics.parse(metricsJson("other", 0.3, 0.5, 0.6, 0.8)), current, "v0003");
    assertFalse(d.promoted());
    assertEquals("the candidate and v0003 were evaluated on no common dataset (candidate: [other], v0003: [heldout]); "
        + "re-evaluate it on the held-out set (--rescore-current true)", d.reason());
  }

  @Test
  void nanAccuracyCountsAsMissing() {
    EvalMetrics m = EvalMetrics.parse("{\"datasets\":[{\"name\":\"heldout\",\"accuracy\":{\"25\":null,\"200\":0.5}}]}");
    assertTrue(m.at("heldout", 25).isEmpty());
    assertEquals(0.5, m.at("heldout", 200).getAsDouble());
    assertThrows(IllegalArgumentException.class, () -> EvalMetrics.parse("{\"x\":1}"));
    assertThrows(IllegalArgumentException.class, () -> new PromotionPolicy(TH, -1));
  }
}
