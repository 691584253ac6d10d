package org.geodecoder.model.loss;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * The paper's loss, {@code L = Σ_h CE_h + CE_scene}, with label −1 ignored per term.
 *
 * <ul>
 *   <li>{@code CE_h}: the scene queries of hierarchy h chosen by {@link GeoLossQueries} (by
 *       default all S of them, averaged) are trained to predict the image's class in h (logits
 *       {@code [B, S, K_h]}). Label −1 (the image's cell was dropped in h) contributes nothing.
 *   <li>{@code CE_scene}: scene logits {@code [B, S]} against the scene label; −1 = unknown.
 * </ul>
 *
 * Each term is summed over the samples with a label and divided by a <em>normaliser</em>, the
 * number of samples of the global batch, so the objective is a per-sample mean whose gradient is
 * the sum of the replicas' gradients. (PyTorch's {@code ignore_index} divides by the count of
 * labelled samples instead; the two differ only when labels are missing.) DJL's sparse softmax
 * cross-entropy does not take {@code [B, S, K]} logits with a {@code [B]} label, hence this class.
 */
public final class GeoLoss {
  private GeoLoss() {}

  /** The differentiable objective and its terms. */
  public static final class Result {
    private final NDArray objective;
    private final LossTerms terms;

    Result(NDArray objective, LossTerms terms) {
      this.objective = objective;
      this.terms = terms;
    }

    /** Scalar to back-propagate: Σ_terms (summed CE) / normaliser. */
    public NDArray objective() {
      return objective;
    }

    public LossTerms terms() {
      return terms;
    }
  }

  /**
   * @param outputs the network's {@code NDList(sceneLogits [B, S], logits_h [B, S, K_h] …)}
   * @param classLabels {@code [B·H]} row-major (sample-major), each in [−1, K_h)
   * @param sceneLabels {@code [B]}, each in [−1, S)
   * @param normaliser the global batch size (≥ B)
   * @throws IllegalArgumentException for a label out of range, naming sample and hierarchy
   */
  public static Result compute(
      NDList outputs, int[] classLabels, int[] sceneLabels, double normaliser) {
    return compute(outputs, classLabels, sceneLabels, normaliser, GeoLossQueries.ALL);
  }

  /**
   * @param queries which scene queries of each hierarchy the class terms supervise
   * @see #compute(NDList, int[], int[], double)
   */
  public static Result compute(
      NDList outputs,
      int[] classLabels,
      int[] sceneLabels,
      double normaliser,
      GeoLossQueries queries) {
    NDArray sceneLogits = outputs.get(0);
    int b = Math.toIntExact(sceneLogits.getShape().get(0));
    int scenes = Math.toIntExact(sceneLogits.getShape().get(1));
    int hs = outputs.size() - 1;
    if (classLabels.length != b * hs || sceneLabels.length != b) {
      throw new IllegalArgumentException(
          String.format(
              "Expected %d class labels (B=%d × H=%d) and %d scene labels, got %d and %d",
              b * hs, b, hs, b, classLabels.length, sceneLabels.length));
    }
    double[] sums = new double[hs + 1];
    long[] counts = new long[hs + 1];
    NDManager m = sceneLogits.getManager();
    int[] scene = new int[b];
    for (int i = 0; i < b; i++) {
      scene[i] = checkLabel(sceneLabels[i], scenes, i, "scene");
    }
    NDArray queryWeights = queryWeights(m, sceneLogits, scene, queries); // [B, S]
    NDArray total = null;
    for (int h = 0; h < hs; h++) {
      NDArray logits = outputs.get(h + 1); // [B, S, K]
      int k = Math.toIntExact(logits.getShape().get(2));
      int[] labels = new int[b];
      for (int i = 0; i < b; i++) {
        labels[i] = checkLabel(classLabels[i * hs + h], k, i, "hierarchy " + h);
      }
      NDArray nll = perSample(m, logits, labels, queryWeights); // [B]
      counts[h] = countLabelled(labels);
      total = add(total, maskedSum(m, nll, labels, sums, h));
    }
    NDArray sceneNll = perSample(m, sceneLogits.expandDims(1), scene, null); // [B]
    counts[hs] = countLabelled(scene);
    total = add(total, maskedSum(m, sceneNll, scene, sums, hs));
    // a double scalar would promote the 0-d sum to float64; keep the logits' type
    NDArray scale = m.create(normaliser).toType(total.getDataType(), false);
    return new Result(total.div(scale), new LossTerms(sums, counts, b));
  }

  /**
   * Weight of each scene query in a sample's class terms, {@code [B, S]}, rows summing to 1: 1/S
   * everywhere ({@code all}), or one-hot at the model's chosen scene ({@code selected}) or at the
   * labelled scene ({@code true-scene}; 1/S for unlabelled samples). Constants: no gradient.
   * Null for {@code all}, which takes the plain mean (bit-identical to the loss before the choice
   * existed).
   */
  static NDArray queryWeights(
      NDManager m, NDArray sceneLogits, int[] sceneLabels, GeoLossQueries queries) {
    if (queries == GeoLossQueries.ALL) {
      return null;
    }
    int b = Math.toIntExact(sceneLogits.getShape().get(0));
    int s = Math.toIntExact(sceneLogits.getShape().get(1));
    float[] w = new float[b * s];
    long[] chosen = null;
    if (queries == GeoLossQueries.SELECTED) {
      chosen = sceneLogits.argMax(1).toType(DataType.INT64, false).toLongArray(); // [B]
    }
    for (int i = 0; i < b; i++) {
      int pick =
          switch (queries) {
            case SELECTED -> (int) chosen[i];
            default -> sceneLabels[i]; // TRUE_SCENE
          };
      if (pick < 0) {
        java.util.Arrays.fill(w, i * s, (i + 1) * s, 1f / s);
      } else {
        w[i * s + pick] = 1f;
      }
    }
    return m.create(w, new Shape(b, s)).toDevice(sceneLogits.getDevice(), false);
  }

  /**
   * Cross-entropy of each sample, weighted over the query axis (null: the mean): logits [B, S, K]
   * → [B].
   */
  private static NDArray perSample(NDManager m, NDArray logits, int[] labels, NDArray weights) {
    long b = logits.getShape().get(0);
    long s = logits.getShape().get(1);
    long[] index = new long[labels.length];
    for (int i = 0; i < labels.length; i++) {
      index[i] = Math.max(labels[i], 0);
    }
    NDArray logProbabilities = logits.logSoftmax(-1); // [B, S, K]
    NDArray idx =
        m.create(index, new Shape(b, 1, 1))
            .toDevice(logits.getDevice(), false)
            .broadcast(b, s, 1); // [B, S, 1]
    NDArray picked = logProbabilities.gather(idx, 2).reshape(b, s); // [B, S]
    if (weights == null) {
      return picked.mean(new int[] {1}).neg(); // [B]
    }
    return picked.mul(weights.toType(picked.getDataType(), false)).sum(new int[] {1}).neg(); // [B]
  }

  private static NDArray maskedSum(NDManager m, NDArray nll, int[] labels, double[] sums, int t) {
    float[] mask = new float[labels.length];
    for (int i = 0; i < labels.length; i++) {
      mask[i] = labels[i] >= 0 ? 1f : 0f;
    }
    NDArray weights = m.create(mask).toDevice(nll.getDevice(), false); // [B]
    NDArray sum = nll.mul(weights).sum(); // []
    sums[t] = sum.toType(DataType.FLOAT64, false).getDouble();
    return sum;
  }

  private static int checkLabel(int label, int classes, int sample, String what) {
    if (label < -1 || label >= classes) {
      throw new IllegalArgumentException(
          String.format(
              "Label %d of %s for sample %d is outside [-1, %d)", label, what, sample, classes));
    }
    return label;
  }

  private static long countLabelled(int[] labels) {
    long n = 0;
    for (int l : labels) {
      if (l >= 0) {
        n++;
      }
    }
    return n;
  }

  private static NDArray add(NDArray total, NDArray term) {
    return total == null ? term : total.add(term);
  }
}
