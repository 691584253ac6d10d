package org.geodecoder.jobs.score;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.when;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;

/**
 * The rows the score job produces. Scoring emits one row per input image ({@link
 * #resultColumns}, a projection of the {@code GeoLocatorModel} stage's output): a prediction
 * ({@code reason} null) or a reject; {@code predictions/} and {@code rejects/} are projections of
 * it ({@link #predictionColumns()}, {@link #rejectColumns()}).
 *
 * <p>Predictions (DESIGN.md §3, plus the per-hierarchy classes and top-k): {@code id, lat, lon,
 * cell_id, class_label, probability, scene, scene_confidence, class_label_h1 … class_label_hH}
 * ({@code class_label} is the finest class, {@code class_label_h<k>} its ancestor in hierarchy
 * k, so {@code class_label_hH = class_label}); {@code topk} (array of struct class_label,
 * probability, lat, lon, best first) when top-k &gt; 1; {@code true_lat, true_lon} and {@code
 * scene3, scene16} when the input has them. {@code probability} is the hierarchical score of
 * the class (its probability times its ancestors'); {@code scene} is the chosen scene s* (0 …
 * S − 1) and {@code scene_confidence} its softmax probability.
 *
 * @param hierarchies H
 * @param topK cells per image
 * @param truth whether the input carries true locations
 * @param scenes whether the input carries scene labels
 */
record ScoreSchema(int hierarchies, int topK, boolean truth, boolean scenes) implements Serializable {
  /**
   * Every column of a scoring result, from the stage's output over {@link ScoreInput#SCHEMA} rows
   * (prediction columns are null for rejects): the reason and detail are the input's (an image
   * that could not even be read) or else the stage's.
   *
   * @param stageReason the stage's reject column
   * @param stageDetail the stage's reject detail column
   */
  Column[] resultColumns(String stageReason, String stageDetail) {
    List<Column> c = new ArrayList<>(List.of(col("id"), col("source"),
        coalesce(col("reason"), col(stageReason)).as("reason"),
        when(col("reason").isNotNull(), col("detail")).otherwise(col(stageDetail)).as("detail")));
    for (String n : List.of("lat", "lon", "cell_id", "class_label", "probability", "scene", "scene_confidence")) {
      c.add(col(n));
    }
    for (int h = 1; h <= hierarchies; h++) {
      c.add(col("class_label_h" + h));
    }
    if (topK > 1) {
      c.add(col("topk"));
    }
    List<String> carried = new ArrayList<>();
    addCarried(carried);
    carried.forEach(n -> c.add(col(n)));
    return c.toArray(new Column[0]);
  }

  /** Columns of predictions/, in order. */
  String[] predictionColumns() {
    List<String> c = new ArrayList<>(List.of("id", "lat", "lon", "cell_id", "class_label", "probability", "scene",
        "scene_confidence"));
    for (int h = 1; h <= hierarchies; h++) {
      c.add("class_label_h" + h);
    }
    if (topK > 1) {
      c.add("topk");
    }
    addCarried(c);
    return c.toArray(new String[0]);
  }

  /** Columns of rejects/: the input's id (path for directories and archives), where it came from, why. */
  String[] rejectColumns() {
    List<String> c = new ArrayList<>(List.of("id", "source", "reason", "detail"));
    addCarried(c);
    return c.toArray(new String[0]);
  }

  private void addCarried(List<String> c) {
    if (truth) {
      c.addAll(List.of("true_lat", "true_lon"));
    }
    if (scenes) {
      c.addAll(List.of("scene3", "scene16"));
    }
  }
}
