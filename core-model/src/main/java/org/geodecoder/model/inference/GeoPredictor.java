package org.geodecoder.model.inference;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.Precision;

/**
 * Hierarchical inference (paper §3.4): pick the scene s* with the highest mean channel-0
 * confidence, classify the H queries (h, s*), apply softmax, multiply each finest class's
 * probability by its ancestors' ({@link HierarchicalProduct}), and return the top-k cells with
 * their locations. TenCrop mode averages the scene logits and the class probabilities over the
 * crops of an image before choosing and multiplying.
 *
 * <p>Not thread-safe (the model is not); one per thread.
 */
public final class GeoPredictor {
  private final GeoModel model;
  private final int topK;
  private final Precision precision;

  /**
   * A predictor in the precision the model was trained in ({@link
   * org.geodecoder.model.ModelConfig#precision()}).
   *
   * @param topK number of cells returned per image (≥ 1)
   */
  public GeoPredictor(GeoModel model, int topK) {
    this(model, topK, model.config().precision());
  }

  /**
   * @param topK number of cells returned per image (≥ 1)
   * @param precision number format of the forward passes (softmax and products stay fp32)
   */
  public GeoPredictor(GeoModel model, int topK, Precision precision) {
    if (topK < 1) {
      throw new IllegalArgumentException("topK must be >= 1, got " + topK);
    }
    this.model = model;
    this.topK = topK;
    this.precision = java.util.Objects.requireNonNull(precision, "precision");
  }

  /**
   * @param images {@code [B, 3, I, I]} normalised, on the model's device
   */
  public List<Prediction> predict(NDArray images) {
    return predictCrops(images.expandDims(1));
  }

  /**
   * @param crops {@code [B, n, 3, I, I]}: n crops of each image (10 for TenCrop)
   */
  public List<Prediction> predictCrops(NDArray crops) {
    Shape s = crops.getShape();
    if (s.dimension() != 5) {
      throw new IllegalArgumentException("Expected crops [B, n, 3, I, I], got " + s);
    }
    int b = Math.toIntExact(s.get(0));
    int n = Math.toIntExact(s.get(1));
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDList out =
          model.predict(
              crops.reshape((long) b * n, s.get(2), s.get(3), s.get(4)), precision); // [B·n, 3, I, I]
      float[] scenes = out.get(0).toFloatArray(); // [B·n, S]
      List<float[]> logits = new ArrayList<>();
      for (int h = 1; h < out.size(); h++) {
        logits.add(out.get(h).toFloatArray()); // [B·n, S, K_h]
      }
      List<Prediction> predictions = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        predictions.add(
            decide(model.config().hierarchy(), model.config().scenes(), topK, scenes, logits, i, n));
      }
      return predictions;
    }
  }

  /**
   * The decision for one image from raw network outputs.
   *
   * @param sceneLogits {@code [B·n, S]}
   * @param logits per hierarchy {@code [B·n, S, K_h]}
   * @param image which image (its crops are rows {@code image·n … image·n + n − 1})
   * @param crops n
   */
  static Prediction decide(
      ClassHierarchy hierarchy,
      int sceneCount,
      int topK,
      float[] sceneLogits,
      List<float[]> logits,
      int image,
      int crops) {
    float[] meanScene = new float[sceneCount];
    for (int c = 0; c < crops; c++) {
      for (int s = 0; s < sceneCount; s++) {
        meanScene[s] += sceneLogits[(image * crops + c) * sceneCount + s] / crops;
      }
    }
    int best = 0;
    for (int s = 1; s < sceneCount; s++) {
      if (meanScene[s] > meanScene[best]) {
        best = s;
      }
    }
    double sceneConfidence = HierarchicalProduct.softmax(meanScene, 0, sceneCount)[best];
    double[][] probabilities = new double[hierarchy.hierarchies()][];
    for (int h = 0; h < hierarchy.hierarchies(); h++) {
      int k = hierarchy.classCount(h);
      double[] mean = new double[k];
      for (int c = 0; c < crops; c++) {
        int offset = ((image * crops + c) * sceneCount + best) * k;
        double[] p = HierarchicalProduct.softmax(logits.get(h), offset, k);
        for (int j = 0; j < k; j++) {
          mean[j] += p[j] / crops;
        }
      }
      probabilities[h] = mean;
    }
    double[] scores = HierarchicalProduct.finestScores(hierarchy, probabilities);
    int finest = hierarchy.hierarchies() - 1;
    List<CellPrediction> cells = new ArrayList<>();
    for (int c : topIndices(scores, topK)) {
      cells.add(
          new CellPrediction(
              c, scores[c], hierarchy.latDegrees(finest, c), hierarchy.lonDegrees(finest, c)));
    }
    return new Prediction(cells, best, sceneConfidence);
  }

  /** Indices of the k largest values, largest first (ties: lower index first). */
  static int[] topIndices(double[] values, int k) {
    int n = Math.min(k, values.length);
    int[] top = new int[n];
    int filled = 0;
    for (int i = 0; i < values.length; i++) {
      if (filled < n || values[i] > values[top[filled - 1]]) {
        int pos = Math.min(filled, n - 1);
        while (pos > 0 && values[i] > values[top[pos - 1]]) {
          top[pos] = top[pos - 1];
          pos--;
        }
        top[pos] = i;
        filled = Math.min(filled + 1, n);
      }
    }
    return top;
  }

  /**
   * The last-layer cross-attention of query (hierarchy, scene) over the image tokens, for each
   * image; pass {@code scene = -1} to use each image's predicted scene.
   *
   * @param images {@code [B, 3, I, I]}
   */
  public List<AttentionMap> attentionMaps(NDArray images, int hierarchy, int scene) {
    int hs = model.config().hierarchies();
    int sceneCount = model.config().scenes();
    if (hierarchy < 0 || hierarchy >= hs || scene < -1 || scene >= sceneCount) {
      throw new IllegalArgumentException(
          String.format(
              "Query (%d, %d) outside hierarchies [0, %d) × scenes [0, %d) (or -1)",
              hierarchy, scene, hs, sceneCount));
    }
    int b = Math.toIntExact(images.getShape().get(0));
    int side = model.config().encoder().stageResolution(model.config().encoder().stages() - 1);
    int tokens = side * side;
    int[] scenes = new int[b];
    if (scene >= 0) {
      java.util.Arrays.fill(scenes, scene);
    } else {
      List<Prediction> p = predict(images);
      for (int i = 0; i < b; i++) {
        scenes[i] = p.get(i).scene();
      }
    }
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      float[] w =
          Autograd.withGrad(
                  false,
                  () -> model.network().lastLayerAttention(
                      model.parameterStore(images.getManager(), precision), images))
              .toFloatArray(); // [B, Q, T]
      int q = hs * sceneCount;
      List<AttentionMap> maps = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        float[] row = new float[tokens];
        int query = hierarchy * sceneCount + scenes[i];
        System.arraycopy(w, (i * q + query) * tokens, row, 0, tokens);
        maps.add(new AttentionMap(hierarchy, scenes[i], side, row));
      }
      return maps;
    }
  }

  /**
   * Prediction, scene probabilities and every query's last-layer cross-attention, per image
   * (centre crop: one forward pass for the decision and one for the attention).
   *
   * @param images {@code [B, 3, I, I]} normalised, on the model's device
   */
  public List<Explanation> explain(NDArray images) {
    int b = Math.toIntExact(images.getShape().get(0));
    int sceneCount = model.config().scenes();
    int q = model.config().hierarchies() * sceneCount;
    int side = model.config().encoder().stageResolution(model.config().encoder().stages() - 1);
    int tokens = side * side;
    try (NDScope scope = new NDScope()) {
      scope.suppressNotUsedWarning();
      NDList out = model.predict(images, precision); // [B, S], [B, S, K_h]…
      float[] scenes = out.get(0).toFloatArray();
      List<float[]> logits = new ArrayList<>();
      for (int h = 1; h < out.size(); h++) {
        logits.add(out.get(h).toFloatArray());
      }
      float[] w =
          Autograd.withGrad(
                  false,
                  () -> model.network().lastLayerAttention(
                      model.parameterStore(images.getManager(), precision), images))
              .toFloatArray(); // [B, Q, T]
      List<Explanation> explanations = new ArrayList<>(b);
      for (int i = 0; i < b; i++) {
        float[][] rows = new float[q][tokens];
        for (int j = 0; j < q; j++) {
          System.arraycopy(w, (i * q + j) * tokens, rows[j], 0, tokens);
        }
        Prediction p =
            decide(model.config().hierarchy(), sceneCount, topK, scenes, logits, i, 1);
        explanations.add(new Explanation(
            p, HierarchicalProduct.softmax(scenes, i * sceneCount, sceneCount), side, rows));
      }
      return explanations;
    }
  }

  /** Manager for input arrays on the model's device; close it after use. */
  public NDManager newInputManager() {
    return model.manager().newSubManager();
  }
}
