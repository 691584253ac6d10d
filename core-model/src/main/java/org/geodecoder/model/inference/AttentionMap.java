package org.geodecoder.model.inference;

/**
 * Where one query looked: its last-layer cross-attention weights over the image tokens,
 * averaged over heads, on the encoder's {@code side×side} token grid (row-major; weights sum to
 * 1). Upsample to the image to overlay it, as in the paper's Fig. 5.
 */
public record AttentionMap(int hierarchy, int scene, int side, float[] weights) {
  public AttentionMap {
    if (weights.length != side * side) {
      throw new IllegalArgumentException(
          "Expected " + side * side + " weights for a " + side + "×" + side + " grid, got "
              + weights.length);
    }
    weights = weights.clone();
  }

  /** Weight of the token at grid row {@code r}, column {@code c}. */
  public float at(int r, int c) {
    return weights[r * side + c];
  }

  @Override
  public float[] weights() {
    return weights.clone();
  }
}
