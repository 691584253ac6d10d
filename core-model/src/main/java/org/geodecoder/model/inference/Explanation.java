package org.geodecoder.model.inference;

/**
 * What the model saw in one image: its prediction, the probability of every scene (softmax of
 * the scene logits) and the last-layer cross-attention of every query (h, s) over the image
 * tokens, as in the paper's qualitative figures (Fig. 5–7).
 *
 * @param prediction the top-k cells and the chosen scene s*
 * @param sceneProbabilities {@code [S]}, sums to 1
 * @param side the encoder's token grid is {@code side×side}
 * @param attention {@code [H·S][side·side]}, row {@code h·S + s} is query (h, s), head-averaged
 */
public record Explanation(Prediction prediction, double[] sceneProbabilities, int side, float[][] attention) {
  public Explanation {
    if (attention.length == 0 || attention.length % sceneProbabilities.length != 0) {
      throw new IllegalArgumentException(
          attention.length + " attention rows are not a multiple of " + sceneProbabilities.length + " scenes");
    }
    sceneProbabilities = sceneProbabilities.clone();
  }

  public int scenes() {
    return sceneProbabilities.length;
  }

  public int hierarchies() {
    return attention.length / sceneProbabilities.length;
  }

  /** The scene the model was least confident about (lowest probability; ties: lower index). */
  public int leastConfidentScene() {
    int least = 0;
    for (int s = 1; s < sceneProbabilities.length; s++) {
      if (sceneProbabilities[s] < sceneProbabilities[least]) {
        least = s;
      }
    }
    return least;
  }

  /** The attention of query (hierarchy, scene), both 0-based. */
  public AttentionMap attention(int hierarchy, int scene) {
    if (hierarchy < 0 || hierarchy >= hierarchies() || scene < 0 || scene >= scenes()) {
      throw new IllegalArgumentException(String.format(
          "Query (%d, %d) outside hierarchies [0, %d) × scenes [0, %d)", hierarchy, scene, hierarchies(), scenes()));
    }
    return new AttentionMap(hierarchy, scene, side, attention[hierarchy * scenes() + scene]);
  }

  @Override
  public double[] sceneProbabilities() {
    return sceneProbabilities.clone();
  }
}
