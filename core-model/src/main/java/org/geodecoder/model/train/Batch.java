package org.geodecoder.model.train;

/**
 * A training batch in plain arrays, as a Spark task assembles it: normalised images {@code [B,
 * 3, I, I]} row-major, class labels {@code [B, H]} sample-major (−1 = no class in that
 * hierarchy) and scene labels {@code [B]} (−1 = unknown). The arrays are not copied.
 */
public final class Batch {
  private final int size;
  private final float[] images;
  private final int[] classLabels;
  private final int[] sceneLabels;
  private final long[] sampleKeys;

  private Batch(int size, float[] images, int[] classLabels, int[] sceneLabels, long[] sampleKeys) {
    this.size = size;
    this.images = images;
    this.classLabels = classLabels;
    this.sceneLabels = sceneLabels;
    this.sampleKeys = sampleKeys;
  }

  /**
   * @throws IllegalArgumentException if the array lengths disagree with B
   */
  public static Batch of(float[] images, int[] classLabels, int[] sceneLabels) {
    int b = sceneLabels.length;
    if (b == 0) {
      throw new IllegalArgumentException("A batch needs at least one sample");
    }
    if (images.length % b != 0 || classLabels.length % b != 0) {
      throw new IllegalArgumentException(
          String.format(
              "B=%d scene labels but %d image values and %d class labels",
              b, images.length, classLabels.length));
    }
    return new Batch(b, images, classLabels, sceneLabels, null);
  }

  /**
   * This batch with one random key per sample (e.g. from seed, epoch and global position): the
   * stochastic-depth masks are drawn from them, so a sample gets the same masks in any batch, slot
   * or replica.
   */
  public Batch withSampleKeys(long[] keys) {
    if (keys.length != size) {
      throw new IllegalArgumentException("B=" + size + " samples but " + keys.length + " sample keys");
    }
    return new Batch(size, images, classLabels, sceneLabels, keys);
  }

  /** The per-sample keys, or null when the batch has none. */
  public long[] sampleKeys() {
    return sampleKeys;
  }

  public int size() {
    return size;
  }

  public float[] images() {
    return images;
  }

  public int[] classLabels() {
    return classLabels;
  }

  public int[] sceneLabels() {
    return sceneLabels;
  }

  /** Samples {@code [from, to)} as a new batch (copies). */
  public Batch slice(int from, int to) {
    if (from < 0 || to > size || from >= to) {
      throw new IllegalArgumentException("Bad slice [" + from + ", " + to + ") of " + size);
    }
    int img = images.length / size;
    int hs = classLabels.length / size;
    return new Batch(
        to - from,
        java.util.Arrays.copyOfRange(images, from * img, to * img),
        java.util.Arrays.copyOfRange(classLabels, from * hs, to * hs),
        java.util.Arrays.copyOfRange(sceneLabels, from, to),
        sampleKeys == null ? null : java.util.Arrays.copyOfRange(sampleKeys, from, to));
  }
}
