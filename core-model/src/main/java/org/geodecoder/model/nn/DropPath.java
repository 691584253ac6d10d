package org.geodecoder.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.util.PairList;
import java.util.Random;

/**
 * Stochastic depth (Huang et al. 2016): in training, zeroes a residual branch for a whole sample
 * with probability {@code rate} and scales kept samples by {@code 1 / (1 − rate)}. Identity in
 * inference.
 *
 * <p>The Bernoulli draws come from the {@link Random} passed in the forward parameters under
 * {@link #RANDOM_KEY}, so a run is reproducible given its seeds; no engine-global random state
 * is used (it would be shared by all tasks of a Spark executor).
 */
public final class DropPath {
  /** Forward-parameter key of the {@link Random} that draws the keep masks. */
  public static final String RANDOM_KEY = "geodecoder.random";

  private DropPath() {}

  /**
   * @param x residual branch {@code [B, ...]}
   * @param rate drop probability in [0, 1)
   * @throws IllegalStateException in training with rate > 0 and no Random in {@code params}
   */
  public static NDArray apply(
      NDArray x, float rate, boolean training, PairList<String, Object> params) {
    if (!training || rate <= 0f) {
      return x;
    }
    Random random = random(params);
    int batch = Math.toIntExact(x.getShape().get(0));
    float keep = 1f - rate;
    float[] mask = new float[batch];
    for (int b = 0; b < batch; b++) {
      mask[b] = random.nextFloat() < keep ? 1f / keep : 0f;
    }
    long[] shape = new long[x.getShape().dimension()];
    java.util.Arrays.fill(shape, 1);
    shape[0] = batch;
    NDArray m =
        x.getManager()
            .create(mask, new ai.djl.ndarray.types.Shape(shape))
            .toDevice(x.getDevice(), false); // [B, 1, ..., 1]
    return x.mul(m);
  }

  private static Random random(PairList<String, Object> params) {
    Object r = params == null ? null : params.get(RANDOM_KEY);
    if (!(r instanceof Random)) {
      throw new IllegalStateException(
          "Training with drop path needs a java.util.Random in the forward parameters under '"
              + RANDOM_KEY
              + "'");
    }
    return (Random) r;
  }
}
