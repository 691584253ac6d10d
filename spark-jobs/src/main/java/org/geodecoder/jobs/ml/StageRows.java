package org.geodecoder.jobs.ml;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.score.PartitionScorer;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.inference.CellPrediction;
import org.geodecoder.model.inference.Prediction;

/**
 * The rows of {@link GeoLocatorModel}: where the image of an input row is (a binary column of
 * encoded bytes, or a struct of Spark's {@code image} data source), and the output row: every
 * input value, then the prediction columns, then the reject reason and detail.
 */
final class StageRows implements PartitionScorer.Rows {
  private static final long serialVersionUID = 1L;
  /** Reason code of a row whose image column is null. */
  static final String NULL_IMAGE = "null_image";

  /** Element of the {@code topk} column: the score job's layout. */
  static final StructType TOPK_ELEMENT = new StructType()
      .add("class_label", DataTypes.IntegerType, false)
      .add("probability", DataTypes.DoubleType, false)
      .add("lat", DataTypes.DoubleType, false)
      .add("lon", DataTypes.DoubleType, false);

  /** What the input column holds. */
  enum InputKind { ENCODED, IMAGE_STRUCT }

  private final int imageIndex;
  private final InputKind kind;
  private final int hierarchies;
  private final int topK;

  StageRows(int imageIndex, InputKind kind, int hierarchies, int topK) {
    this.imageIndex = imageIndex;
    this.kind = kind;
    this.hierarchies = hierarchies;
    this.topK = topK;
  }

  /**
   * The kind of the input column, checked before any work.
   *
   * @throws IllegalArgumentException naming the column, the expected and the actual type
   */
  static InputKind inputKind(StructType schema, String column) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!names.contains(column)) {
      throw new IllegalArgumentException("GeoLocatorModel: input column '" + column + "' (inputCol) does not exist; the columns are "
          + names);
    }
    DataType t = schema.apply(column).dataType();
    if (t instanceof BinaryType) {
      return InputKind.ENCODED;
    }
    if (t instanceof StructType s && isImageStruct(s)) {
      return InputKind.IMAGE_STRUCT;
    }
    throw new IllegalArgumentException("GeoLocatorModel: input column '" + column + "' (inputCol) must be binary (encoded JPEG/PNG)"
        + " or the struct of Spark's image data source (height, width, nChannels, data), is " + t.simpleString());
  }

  private static boolean isImageStruct(StructType s) {
    List<String> f = Arrays.asList(s.fieldNames());
    return f.containsAll(List.of("height", "width", "nChannels", "data"))
        && s.apply("height").dataType() instanceof IntegerType && s.apply("width").dataType() instanceof IntegerType
        && s.apply("nChannels").dataType() instanceof IntegerType && s.apply("data").dataType() instanceof BinaryType;
  }

  /** The output columns' names, in order. */
  static List<String> outputColumns(String prefix, int hierarchies, int topK, String rejectCol, String rejectDetailCol) {
    List<String> c = new ArrayList<>();
    for (String n : List.of("lat", "lon", "cell_id", "class_label", "probability", "scene", "scene_confidence")) {
      c.add(prefix + n);
    }
    for (int h = 1; h <= hierarchies; h++) {
      c.add(prefix + "class_label_h" + h);
    }
    if (topK > 1) {
      c.add(prefix + "topk");
    }
    c.add(rejectCol);
    c.add(rejectDetailCol);
    return c;
  }

  /** The input schema followed by the output columns (all nullable). */
  static StructType outputSchema(StructType in, String prefix, int hierarchies, int topK, String rejectCol,
      String rejectDetailCol) {
    List<StructField> f = new ArrayList<>(Arrays.asList(in.fields()));
    f.add(DataTypes.createStructField(prefix + "lat", DataTypes.DoubleType, true));
    f.add(DataTypes.createStructField(prefix + "lon", DataTypes.DoubleType, true));
    f.add(DataTypes.createStructField(prefix + "cell_id", DataTypes.StringType, true));
    f.add(DataTypes.createStructField(prefix + "class_label", DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(prefix + "probability", DataTypes.DoubleType, true));
    f.add(DataTypes.createStructField(prefix + "scene", DataTypes.IntegerType, true));
    f.add(DataTypes.createStructField(prefix + "scene_confidence", DataTypes.DoubleType, true));
    for (int h = 1; h <= hierarchies; h++) {
      f.add(DataTypes.createStructField(prefix + "class_label_h" + h, DataTypes.IntegerType, true));
    }
    if (topK > 1) {
      f.add(DataTypes.createStructField(prefix + "topk", DataTypes.createArrayType(TOPK_ELEMENT, false), true));
    }
    f.add(DataTypes.createStructField(rejectCol, DataTypes.StringType, true));
    f.add(DataTypes.createStructField(rejectDetailCol, DataTypes.StringType, true));
    return DataTypes.createStructType(f);
  }

  @Override
  public PartitionScorer.ImageInput image(Row in) {
    if (in.isNullAt(imageIndex)) {
      return PartitionScorer.ImageInput.rejected(NULL_IMAGE, "the image column is null");
    }
    if (kind == InputKind.ENCODED) {
      return PartitionScorer.ImageInput.encoded((byte[]) in.get(imageIndex));
    }
    Row s = in.getStruct(imageIndex);
    int height = s.getInt(s.fieldIndex("height"));
    int width = s.getInt(s.fieldIndex("width"));
    int channels = s.getInt(s.fieldIndex("nChannels"));
    byte[] data = (byte[]) s.get(s.fieldIndex("data"));
    if (height <= 0 || width <= 0 || data == null || data.length == 0) {
      // The image data source's row for a file it could not decode (dropInvalid = false).
      String origin = Arrays.asList(s.schema().fieldNames()).contains("origin") ? s.getString(s.fieldIndex("origin")) : "?";
      return PartitionScorer.ImageInput.rejected(ImageProbe.Reason.UNDECODABLE.code,
          "Spark's image data source could not decode " + origin);
    }
    return PartitionScorer.ImageInput.decoded(new PartitionScorer.Pixels(height, width, channels, data));
  }

  @Override
  public Row prediction(Row in, Prediction p, ClassHierarchy hierarchy, String[] cellTokens) {
    List<Object> v = inputValues(in);
    CellPrediction top = p.top();
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
      v.add(scala.jdk.javaapi.CollectionConverters.asScala(cells).toSeq()); // the Row encoder takes Scala sequences
    }
    v.add(null);
    v.add(null);
    return RowFactory.create(v.toArray());
  }

  @Override
  public Row reject(Row in, String reason, String detail) {
    List<Object> v = inputValues(in);
    for (int i = 0; i < 7 + hierarchies + (topK > 1 ? 1 : 0); i++) {
      v.add(null);
    }
    v.add(reason);
    v.add(detail);
    return RowFactory.create(v.toArray());
  }

  private List<Object> inputValues(Row in) {
    List<Object> v = new ArrayList<>(in.length() + 11 + hierarchies);
    for (int i = 0; i < in.length(); i++) {
      v.add(in.get(i));
    }
    return v;
  }
}
