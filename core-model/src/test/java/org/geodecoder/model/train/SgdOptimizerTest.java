package org.geodecoder.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class SgdOptimizerTest {
  @Test
  void matchesPyTorchSgdWithMomentumAndWeightDecay() {
    SgdConfig c =
        SgdConfig.builder().optLearningRate(0.1).optMomentum(0.9).optWeightDecay(0.01).build();
    SgdOptimizer opt = new SgdOptimizer(c, 1);
    float[] w = {1f};
    opt.update(w, new float[] {0.5f}); // g=0.51, v=0.51, w=1−0.051
    assertEquals(0.949f, w[0], 1e-7);
    opt.update(w, new float[] {0.5f}); // g=0.5+0.00949=0.50949, v=0.9·0.51+0.50949=0.96849
    assertEquals(0.949f - 0.096849f, w[0], 1e-6);
  }

  @Test
  void multiStepScheduleAndClipping() {
    SgdConfig c =
        SgdConfig.builder()
            .optLearningRate(1)
            .optMomentum(0)
            .optWeightDecay(0)
            .optMilestonesInEpochs(new int[] {1, 3}, 10)
            .optGamma(0.5)
            .optClipNorm(1)
            .build();
    assertEquals(1, c.learningRateAt(9));
    assertEquals(0.5, c.learningRateAt(10));
    assertEquals(0.5, c.learningRateAt(29));
    assertEquals(0.25, c.learningRateAt(30));
    SgdOptimizer opt = new SgdOptimizer(c, 2);
    float[] w = {0, 0};
    double norm = opt.update(w, new float[] {3, 4});
    assertEquals(5, norm, 1e-9);
    assertArrayEquals(new float[] {-0.6f, -0.8f}, w, 1e-6f);
  }

  @Test
  void rejectsBadSettingsByName() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> SgdConfig.builder().optMomentum(1.5).build());
    assertEquals("Cannot set momentum to 1.5, must be in [0, 1)", e.getMessage());
  }
}
