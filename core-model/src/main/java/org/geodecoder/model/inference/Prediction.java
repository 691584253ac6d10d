package org.geodecoder.model.inference;

import java.util.List;

/**
 * The prediction for one image: the top-k cells of the finest hierarchy, best first, and the
 * scene whose queries produced them.
 *
 * @param cells top-k candidates, best first (at least one)
 * @param scene the chosen scene s* (highest mean channel-0 confidence)
 * @param sceneConfidence softmax over the scene logits, at s*
 */
public record Prediction(List<CellPrediction> cells, int scene, double sceneConfidence) {
  public Prediction {
    if (cells.isEmpty()) {
      throw new IllegalArgumentException("A prediction needs at least one cell");
    }
    cells = List.copyOf(cells);
  }

  /** The best cell. */
  public CellPrediction top() {
    return cells.get(0);
  }

  public double latDegrees() {
    return top().latDegrees();
  }

  public double lonDegrees() {
    return top().lonDegrees();
  }
}
