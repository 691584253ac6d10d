package org.geodecoder.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * bf16 mixed precision trains like fp32: {@link PrecisionRuns#nano} trained from the same seed on
 * the same synthetic images (12 steps) has a loss curve within 1 % of fp32's at every epoch (measured:
 * within 0.0003 of ≈ 8.1, i.e. 0.004 %), its loss falls as fp32's does, and its held-out accuracy
 * (new noise) is within 0.1 of fp32's. Short because on CPUs without bf16 instructions libtorch's
 * bf16 matrix products are about 15x slower than fp32 (this test: about 1 min on 2 busy cores);
 * {@code bench.PrecisionBenchmark} runs more seeds and epochs.
 */
class MixedPrecisionTrainingTest {
  private static final int EPOCHS = 4;

  @Test
  void bf16LossCurveAndHeldOutAccuracyMatchFp32() {
    PrecisionRuns.Data data = PrecisionRuns.generate(48, 32, 23);
    PrecisionRuns.Run full = PrecisionRuns.train(PrecisionRuns.nano(Precision.FP32), data, EPOCHS, 16, 1);
    PrecisionRuns.Run mixed = PrecisionRuns.train(PrecisionRuns.nano(Precision.BF16), data, EPOCHS, 16, 1);
    for (int e = 0; e < EPOCHS; e++) {
      System.out.printf("epoch %d: loss fp32 %.4f bf16 %.4f%n", e, full.losses()[e], mixed.losses()[e]);
    }
    System.out.printf("held-out accuracy fp32 %.3f bf16 %.3f%n", full.heldOut(), mixed.heldOut());
    assertTrue(full.losses()[EPOCHS - 1] < 0.99 * full.losses()[0], "fp32 loss did not fall");
    assertTrue(mixed.losses()[EPOCHS - 1] < 0.99 * mixed.losses()[0], "bf16 loss did not fall");
    for (int e = 0; e < EPOCHS; e++) {
      assertEquals(full.losses()[e], mixed.losses()[e], 0.01 * full.losses()[e], "epoch " + e);
    }
    assertEquals(full.heldOut(), mixed.heldOut(), 0.1, "held-out accuracy bf16 vs fp32");
  }
}
