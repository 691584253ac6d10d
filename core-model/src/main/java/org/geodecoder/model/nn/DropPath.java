package org.geodecoder.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.util.PairList;
import java.util.Random;

/**
 * Stochastic depth (Huang et al. 2016): in training, zeroes a residual branch for a whole sample
 * with probability {@code rate} and scales kept samples by {@code 1 / (1 − rate)}. Identity in
 * inference.
 *
 * <p>The Bernoulli draws come from per-sample {@link SampleKeys} passed in the forward parameters
 * under {@link #SAMPLE_KEYS_KEY} (sample b's draw in the c-th drop-path call of a forward pass is
 * a hash of (key_b, c), so it does not depend on which replica or batch slot holds the sample),
 * else from the {@link Random} under {@link #RANDOM_KEY}. A run is reproducible given its seeds;
 * no engine-global random state is used (it would be shared by all tasks of a Spark executor).
 */
public final class DropPath {
  /** Forward-parameter key of the {@link Random} that draws the keep masks. */
  public static final String RANDOM_KEY = "geodecoder.random";

  /** Forward-parameter key of the {@link SampleKeys} that draw the keep masks. */
  public static final String SAMPLE_KEYS_KEY = "geodecoder.sampleKeys";

  /**
   * One key per sample of the batch (e.g. a hash of seed, epoch and the sample's global position)
   * and a count of the drop-path calls made so far in this forward pass. One instance per forward.
   */
  public static final class SampleKeys {
    private final long[] keys;
    private int calls;

    public SampleKeys(long[] keys) {
      this.keys = keys.clone();
    }

    int size() {
      return keys.length;
    }

    /** Sample b's uniform draw in [0, 1) for drop-path call {@code call}. */
    float uniform(int b, int call) {
      return (mix(keys[b] + 0x9E3779B97F4A7C15L * (call + 1)) >>> 40) * 0x1.0p-24f;
    }

    int nextCall() {
      return calls++;
    }

    /** SplittableRandom's 64-bit finaliser (Stafford variant 13); written out as it is not public. */
    public static long mix(long z) {
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }
  }

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
    int batch = Math.toIntExact(x.getShape().get(0));
    float keep = 1f - rate;
    float[] mask = new float[batch];
    Object keyed = params == null ? null : params.get(SAMPLE_KEYS_KEY);
    if (keyed instanceof SampleKeys keys) {
      if (keys.size() != batch) {
        throw new IllegalArgumentException(
            "Drop path got " + keys.size() + " sample keys for a batch of " + batch);
      }
      int call = keys.nextCall();
      for (int b = 0; b < batch; b++) {
        mask[b] = keys.uniform(b, call) < keep ? 1f / keep : 0f;
      }
    } else {
      Random random = random(params);
      for (int b = 0; b < batch; b++) {
        mask[b] = random.nextFloat() < keep ? 1f / keep : 0f;
      }
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
