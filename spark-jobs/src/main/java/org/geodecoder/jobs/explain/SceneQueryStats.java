package org.geodecoder.jobs.explain;

import ai.djl.Device;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.transform.ImageDecoder;
import org.geodecoder.model.transform.ImageTransforms;

/**
 * A measurement tool (not a job; used by {@code submit-scripts/measure-geo-loss-queries.sh}):
 * do a trained model's scene queries specialise? For the held-out images of ingest shards with
 * partition labels, it classifies every query (h, s) (centre crop) and prints one JSON object:
 *
 * <ul>
 *   <li>{@code scene_acc}: the chosen scene s* (highest confidence) equals the image's label at
 *       the model's level (S3/S16/S365 for 3/16/365 scenes);
 *   <li>per hierarchy h, top-1 class accuracy of the query of s* ({@code selected}, what
 *       inference uses), of the true scene's query ({@code own}), the mean over the other scenes'
 *       queries ({@code other}), the mean over all S ({@code mean_all}), and {@code agreement}:
 *       the share of the other scenes' queries whose top-1 class is the same as s*'s.
 * </ul>
 *
 * Specialised queries show {@code own > other} and a low agreement; queries that all learned
 * the same thing show {@code own ≈ other ≈ selected} and an agreement near 1.
 *
 * <pre>java -cp ASSEMBLY org.geodecoder.jobs.explain.SceneQueryStats MODEL_DIR SHARDS LABELS [split]</pre>
 */
public final class SceneQueryStats {
  private SceneQueryStats() {}

  public static void main(String[] args) throws JsonProcessingException {
    if (args.length < 3 || args.length > 4) {
      System.err.println("usage: SceneQueryStats MODEL_DIR SHARDS LABELS.parquet [split, default val]");
      System.exit(2);
    }
    String split = args.length == 4 ? args[3] : "val";
    SparkSession spark = SparkSession.builder().master("local[2]").appName("scene-query-stats")
        .config("spark.ui.enabled", "false").getOrCreate();
    try (GeoModel model = GeoModel.load(Path.of(args[0]), Device.cpu())) {
      int scenes = model.config().scenes();
      String sceneCol = "scene" + scenes;
      Dataset<Row> shards = spark.read().parquet(args[1]).filter(functions.col("split").equalTo(split));
      Dataset<Row> labels = spark.read().parquet(args[2]);
      int hs = model.config().hierarchies();
      List<String> cols = new ArrayList<>(List.of("image", sceneCol));
      for (int h = 1; h <= hs; h++) {
        cols.add("label_h" + h);
      }
      List<Row> rows = shards.join(labels, "id").orderBy("id")
          .select(cols.stream().map(functions::col).toArray(org.apache.spark.sql.Column[]::new)).collectAsList();
      System.out.println(new ObjectMapper().writeValueAsString(measure(model, rows, hs, scenes)));
    } finally {
      spark.stop();
    }
  }

  static Map<String, Object> measure(GeoModel model, List<Row> rows, int hs, int scenes) {
    ImageTransforms transforms = ImageTransforms.forImageSize(model.config().imageSize());
    long n = 0;
    long sceneLabelled = 0;
    long sceneCorrect = 0;
    long[] counted = new long[hs];
    double[] selected = new double[hs];
    double[] own = new double[hs];
    long[] ownCounted = new long[hs];
    double[] other = new double[hs];
    double[] meanAll = new double[hs];
    double[] agreement = new double[hs];
    int batchSize = 32;
    try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      for (int start = 0; start < rows.size(); start += batchSize) {
        List<Row> batch = rows.subList(start, Math.min(rows.size(), start + batchSize));
        try (NDManager m = cpu.newSubManager()) {
          NDList tensors = new NDList();
          for (Row r : batch) {
            tensors.add(transforms.evalCenter(ImageDecoder.decode((byte[]) r.get(0), m)));
          }
          NDList out = Autograd.withGrad(false, () -> model.predict(NDArrays.stack(tensors)));
          float[] sceneLogits = out.get(0).toFloatArray(); // [B, S]
          List<float[]> logits = new ArrayList<>();
          for (int h = 0; h < hs; h++) {
            logits.add(out.get(h + 1).toFloatArray()); // [B, S, K_h]
          }
          for (int i = 0; i < batch.size(); i++) {
            Row r = batch.get(i);
            n++;
            int chosen = argmax(sceneLogits, i * scenes, scenes);
            int label = r.isNullAt(1) ? -1 : ((Number) r.get(1)).intValue();
            boolean labelled = label >= 0 && label < scenes;
            if (labelled) {
              sceneLabelled++;
              sceneCorrect += chosen == label ? 1 : 0;
            }
            for (int h = 0; h < hs; h++) {
              int y = ((Number) r.get(2 + h)).intValue();
              if (y < 0) {
                continue; // no class in this hierarchy (dropped cell)
              }
              int k = model.config().hierarchy().classCount(h);
              int[] top = new int[scenes];
              for (int s = 0; s < scenes; s++) {
                top[s] = argmax(logits.get(h), (i * scenes + s) * k, k);
              }
              counted[h]++;
              selected[h] += top[chosen] == y ? 1 : 0;
              int right = 0;
              int same = 0;
              for (int s = 0; s < scenes; s++) {
                right += top[s] == y ? 1 : 0;
                same += s != chosen && top[s] == top[chosen] ? 1 : 0;
              }
              meanAll[h] += (double) right / scenes;
              agreement[h] += scenes > 1 ? (double) same / (scenes - 1) : 1;
              if (labelled) {
                ownCounted[h]++;
                int ownRight = top[label] == y ? 1 : 0;
                own[h] += ownRight;
                other[h] += scenes > 1 ? (double) (right - ownRight) / (scenes - 1) : ownRight;
              }
            }
          }
        }
      }
    }
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("images", n);
    result.put("scenes", scenes);
    result.put("scene_acc", round(sceneLabelled == 0 ? Double.NaN : (double) sceneCorrect / sceneLabelled));
    for (int h = 0; h < hs; h++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("images", counted[h]);
      m.put("selected", round(selected[h] / counted[h]));
      m.put("own", round(own[h] / ownCounted[h]));
      m.put("other", round(other[h] / ownCounted[h]));
      m.put("mean_all", round(meanAll[h] / counted[h]));
      m.put("agreement", round(agreement[h] / counted[h]));
      result.put(String.format(Locale.ROOT, "h%d", h + 1), m);
    }
    return result;
  }

  private static int argmax(float[] v, int offset, int n) {
    int best = 0;
    for (int j = 1; j < n; j++) {
      if (v[offset + j] > v[offset + best]) {
        best = j;
      }
    }
    return best;
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}
