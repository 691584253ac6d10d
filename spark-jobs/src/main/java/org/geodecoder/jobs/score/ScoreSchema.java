package org.geodecoder.jobs.score;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.inference.CellPrediction;
import org.geodecoder.model.inference.Prediction;

/**
 * The rows the score job produces. Scoring emits one row per input image ({@link #result()}):
 * a prediction ({@code reason} null) or a reject; {@code predictions/} and {@code rejects/} are
 * projections of it ({@link #predictionColumns()}, {@link #rejectColumns()}).
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
  /** Element of the {@code topk} column. */
  static final StructType TOPK_ELEMENT = new StructType()
      .add("class_label", DataTypes.IntegerType, false)
      .add("probability", DataTypes.DoubleType, false)
      .add("lat", DataTypes.DoubleType, false)
      .add("lon", DataTypes.DoubleType, false);

  /** Every column of a scoring result (prediction columns are null for rejects). */
  StructType result() {
    StructType s = new StructType()
        .add("id", DataTypes.StringType, false)
        .add("source", DataTypes.StringType, true)
        .add("reason", DataTypes.StringType, true)
        .add("detail", DataTypes.StringType, true)
        .add("lat", DataTypes.DoubleType, true)
        .add("lon", DataTypes.DoubleType, true)
        .add("cell_id", DataTypes.StringType, true)
        .add("class_label", DataTypes.IntegerType, true)
        .add("probability", DataTypes.DoubleType, true)
        .add("scene", DataTypes.IntegerType, true)
        .add("scene_confidence", DataTypes.DoubleType, true);
    for (int h = 1; h <= hierarchies; h++) {
      s = s.add("class_label_h" + h, DataTypes.IntegerType, true);
    }
    if (topK > 1) {
      s = s.add("topk", DataTypes.createArrayType(TOPK_ELEMENT, false), true);
    }
    return addCarried(s);
  }

  private StructType addCarried(StructType s) {
    if (truth) {
      s = s.add("true_lat", DataTypes.DoubleType, true).add("true_lon", DataTypes.DoubleType, true);
    }
    if (scenes) {
      s = s.add("scene3", DataTypes.IntegerType, true).add("scene16", DataTypes.IntegerType, true);
    }
    return s;
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

  /**
   * A prediction row.
   *
   * @param in a {@link ScoreInput#SCHEMA} row
   * @param cellTokens S2 token of every finest class, or null
   */
  Row prediction(Row in, Prediction p, ClassHierarchy hierarchy, String[] cellTokens) {
    List<Object> v = new ArrayList<>(11 + hierarchies + 5);
    CellPrediction top = p.top();
    v.add(in.get(ScoreInput.ID));
    v.add(in.get(ScoreInput.SOURCE));
    v.add(null);
    v.add(null);
    v.add(top.latDegrees());
    v.add(top.lonDegrees());
    v.add(cellTokens == null ? null : cellTokens[top.classLabel()]);
    v.add(top.classLabel());
    v.add(top.probability());
    v.add(p.scene());
    v.add(p.sceneConfidence());
    for (int c : hierarchy.ancestors(hierarchies - 1, top.classLabel())) {
      v.add(c);
    }
    if (topK > 1) {
      List<Row> cells = new ArrayList<>(p.cells().size());
      for (CellPrediction cell : p.cells()) {
        cells.add(RowFactory.create(cell.classLabel(), cell.probability(), cell.latDegrees(), cell.lonDegrees()));
      }
      v.add(scala.jdk.javaapi.CollectionConverters.asScala(cells)); // the Row encoder takes Scala sequences
    }
    addCarried(v, in);
    return RowFactory.create(v.toArray());
  }

  /** A reject row for an input row. */
  Row reject(Row in, String reason, String detail) {
    List<Object> v = new ArrayList<>(11 + hierarchies + 5);
    v.add(in.get(ScoreInput.ID));
    v.add(in.get(ScoreInput.SOURCE));
    v.add(reason);
    v.add(detail);
    for (int i = 0; i < 7 + hierarchies + (topK > 1 ? 1 : 0); i++) {
      v.add(null);
    }
    addCarried(v, in);
    return RowFactory.create(v.toArray());
  }

  private void addCarried(List<Object> v, Row in) {
    if (truth) {
      v.add(in.get(ScoreInput.TRUE_LAT));
      v.add(in.get(ScoreInput.TRUE_LON));
    }
    if (scenes) {
      v.add(in.get(ScoreInput.SCENE3));
      v.add(in.get(ScoreInput.SCENE16));
    }
  }
}
