package org.geodecoder.jobs.ml;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.score.PartitionScorer;
import org.geodecoder.jobs.score.ScoreJob;
import org.geodecoder.jobs.score.TaskTimes;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.io.ModelCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Geolocation as a Spark ML pipeline stage: {@code transform(df)} adds to every row of a
 * DataFrame of images the model's prediction (where the photo was taken) and keeps every input
 * column. The same code path as the {@code score} job ({@link PartitionScorer}: images decoded on
 * the CPU, batched, run on the executor's one shared copy of the model, on the GPU Spark assigned
 * to the task when there is one).
 *
 * <p><b>Input</b> ({@link #inputCol()}): a binary column of encoded JPEG/PNG bytes (Spark's
 * {@code binaryFile} source gives {@code content}; ingest shards {@code image}), or a struct
 * column of Spark's {@code image} data source ({@code origin, height, width, nChannels, mode,
 * data}).
 *
 * <p><b>Output</b>, each name after {@link #outputPrefix()}: {@code lat, lon, cell_id,
 * class_label, probability, scene, scene_confidence, class_label_h1 … class_label_hH}, and
 * {@code topk} (array of struct class_label, probability, lat, lon) when {@link #topK()} &gt; 1,
 * with the meanings of the score job's predictions; then {@link #rejectCol()} and {@link
 * #rejectDetailCol()}: null for a scored image; for an image that cannot be scored (null, empty,
 * truncated, not an image, too large, undecodable) the reason code and what was wrong, with
 * every prediction column null. A bad image never fails the job.
 *
 * <p><b>Loading and saving.</b> {@link #load(String)} takes a saved stage, a trained model
 * directory ({@code model.json} + {@code parameters.safetensors}; cell ids from the cells table
 * its {@code model.json} names), a model registry version directory or a registry root (its
 * current version). {@link #write()} saves Spark ML's params metadata, a copy of the model
 * directory under {@code model/} and the cell ids under {@code data/}, so the saved stage, and a
 * {@code PipelineModel} holding it, load anywhere with {@code PipelineModel.load}.
 */
public final class GeoLocatorModel extends Model<GeoLocatorModel> implements MLWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(GeoLocatorModel.class);
  /** Where a saved stage keeps its model directory and its cell ids. */
  static final String MODEL_DIR = "model";
  static final String CELLS_DATA = "data";

  private final String uid;
  private final String modelUri;
  private final String[] cellTokens;
  private transient ModelConfig config;
  private transient Broadcast<String[]> tokensBroadcast;

  private final Param<String> inputCol;
  private final Param<String> outputPrefix;
  private final BooleanParam tenCrop;
  private final IntParam batchSize;
  private final Param<String> device;
  private final Param<String> precision;
  private final IntParam topK;
  private final Param<String> rejectCol;
  private final Param<String> rejectDetailCol;
  private final LongParam maxImageBytes;

  private GeoLocatorModel(String uid, String modelUri, ModelConfig config, String[] cellTokens) {
    this.uid = uid;
    this.modelUri = modelUri;
    this.config = config;
    this.cellTokens = cellTokens;
    // Params are made after uid is set: each records its owner's uid.
    inputCol = new Param<>(this, "inputCol",
        "input column: binary (encoded JPEG/PNG bytes) or a struct of Spark's image data source");
    outputPrefix = new Param<>(this, "outputPrefix",
        "prefix of the output columns (lat, lon, cell_id, class_label, probability, scene, scene_confidence, class_label_h*, topk)");
    tenCrop = new BooleanParam(this, "tenCrop",
        "average over the paper's TenCrop (10 forward passes per image) instead of one centre crop");
    batchSize = new IntParam(this, "batchSize", "images per forward pass (>= 1)",
        ParamValidators.inRange(1, 4096));
    device = new Param<>(this, "device",
        "auto (the GPU Spark assigned to the task, else the CPU), cpu or gpu",
        ParamValidators.inArray(List.of("auto", "cpu", "gpu")));
    precision = new Param<>(this, "precision",
        "number format of the forward pass: fp32, or bf16 (bfloat16 matrix products, fp32 softmax and outputs)",
        ParamValidators.inArray(List.of("fp32", "bf16")));
    topK = new IntParam(this, "topK", "cells per image; above 1 adds the topk column",
        ParamValidators.inRange(1, 1000));
    rejectCol = new Param<>(this, "rejectCol",
        "output column with the reason code of an image that could not be scored (null when scored)");
    rejectDetailCol = new Param<>(this, "rejectDetailCol",
        "output column with what was wrong with an image that could not be scored");
    maxImageBytes = new LongParam(this, "maxImageBytes", "larger images are rejected (file_too_large)",
        ParamValidators.gtEq(1));
    setDefault(inputCol, "image");
    setDefault(outputPrefix, "");
    setDefault(tenCrop, false);
    setDefault(batchSize, 32);
    setDefault(device, "auto");
    setDefault(precision, "fp32");
    setDefault(topK, 1);
    setDefault(rejectCol, "reject_reason");
    setDefault(rejectDetailCol, "reject_detail");
    setDefault(maxImageBytes, 64L << 20);
  }

  // ---- loading ----

  /**
   * A stage for a model directory, with cell ids from {@code cellsTable} (a partition's
   * cells.parquet or its output directory; null: the table the model's model.json names, if
   * readable, else cell_id is null).
   */
  public static GeoLocatorModel load(String modelDir, String cellsTable) {
    SparkSession spark = SparkSession.active();
    HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
    String uri = ScoreJob.qualify(conf, modelDir, "--model");
    ModelConfig config = ScoreJob.readModelConfig(conf, uri);
    ScoreJob.CellIds cells = ScoreJob.cellIds(spark, cellsTable, uri, config);
    LOG.info("GeoLocatorModel: model {} ({} px, {} hierarchies), cell ids from {}", uri, config.imageSize(),
        config.hierarchies(), cells.source());
    return new GeoLocatorModel(Identifiable.randomUID("geoLocator"), uri, config, cells.tokens());
  }

  /**
   * A stage for a model directory already checked on the driver (the score job: {@code modelUri}
   * qualified, its {@code config} read, its cell tokens found, or null).
   */
  public static GeoLocatorModel of(String modelUri, ModelConfig config, String[] cellTokens) {
    return new GeoLocatorModel(Identifiable.randomUID("geoLocator"), modelUri, config, cellTokens);
  }

  /**
   * Loads a stage saved by {@link #write()}, a trained model directory, a model registry version
   * directory ({@code model/} + {@code cells.parquet}) or a registry root (its current version).
   */
  public static GeoLocatorModel load(String path) {
    SparkSession spark = SparkSession.active();
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(new Path(p, "metadata"))) {
        return read().load(path);
      }
      if (fs.exists(new Path(p, ModelCheckpoint.CONFIG_FILE))) {
        return load(path, null);
      }
      if (fs.exists(new Path(p, "model/" + ModelCheckpoint.CONFIG_FILE)) && fs.exists(new Path(p, "cells.parquet"))) {
        return load(new Path(p, "model").toString(), new Path(p, "cells.parquet").toString());
      }
      Path current = new Path(p, "current");
      if (fs.exists(current)) {
        String version;
        try (InputStream in = fs.open(current)) {
          version = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
        }
        return load(new Path(new Path(p, "versions"), version).toString());
      }
      throw new JobFailedException(path + " is neither a saved GeoLocatorModel (metadata/), a model directory ("
          + ModelCheckpoint.CONFIG_FILE + "), a registry version (model/ + cells.parquet) nor a model registry (current)");
    } catch (IOException e) {
      throw new JobFailedException("Cannot read " + path + ": " + e.getMessage(), e);
    }
  }

  /** Spark ML's reader: {@code PipelineModel.load} finds it by reflection. */
  public static MLReader<GeoLocatorModel> read() {
    return new Reader();
  }

  // ---- params ----

  @Override
  public String uid() {
    return uid;
  }

  public Param<String> inputCol() {
    return inputCol;
  }

  public Param<String> outputPrefix() {
    return outputPrefix;
  }

  public BooleanParam tenCrop() {
    return tenCrop;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public Param<String> device() {
    return device;
  }

  public Param<String> precision() {
    return precision;
  }

  public IntParam topK() {
    return topK;
  }

  public Param<String> rejectCol() {
    return rejectCol;
  }

  public Param<String> rejectDetailCol() {
    return rejectDetailCol;
  }

  public LongParam maxImageBytes() {
    return maxImageBytes;
  }

  public String getInputCol() {
    return $(inputCol);
  }

  public GeoLocatorModel setInputCol(String value) {
    set(inputCol, value);
    return this;
  }

  public String getOutputPrefix() {
    return $(outputPrefix);
  }

  public GeoLocatorModel setOutputPrefix(String value) {
    set(outputPrefix, value);
    return this;
  }

  public boolean getTenCrop() {
    return (Boolean) $(tenCrop);
  }

  public GeoLocatorModel setTenCrop(boolean value) {
    set(tenCrop, value);
    return this;
  }

  public int getBatchSize() {
    return (Integer) $(batchSize);
  }

  public GeoLocatorModel setBatchSize(int value) {
    set(batchSize, value);
    return this;
  }

  public String getDevice() {
    return $(device);
  }

  public String getPrecision() {
    return $(precision);
  }

  public GeoLocatorModel setPrecision(String value) {
    set(precision, value);
    return this;
  }

  public GeoLocatorModel setDevice(String value) {
    set(device, value);
    return this;
  }

  public int getTopK() {
    return (Integer) $(topK);
  }

  public GeoLocatorModel setTopK(int value) {
    set(topK, value);
    return this;
  }

  public String getRejectCol() {
    return $(rejectCol);
  }

  public GeoLocatorModel setRejectCol(String value) {
    set(rejectCol, value);
    return this;
  }

  public String getRejectDetailCol() {
    return $(rejectDetailCol);
  }

  public GeoLocatorModel setRejectDetailCol(String value) {
    set(rejectDetailCol, value);
    return this;
  }

  public long getMaxImageBytes() {
    return (Long) $(maxImageBytes);
  }

  public GeoLocatorModel setMaxImageBytes(long value) {
    set(maxImageBytes, value);
    return this;
  }

  /** The model directory this stage scores with (a copy inside a saved stage). */
  public String modelUri() {
    return modelUri;
  }

  /** The model's architecture and classes (read from model.json on first use). */
  public ModelConfig modelConfig() {
    if (config == null) {
      config = ScoreJob.readModelConfig(new HadoopConf(SparkSession.active().sparkContext().hadoopConfiguration()), modelUri);
    }
    return config;
  }

  /** Whether cell_id is filled (the cells table was found). */
  public boolean hasCellIds() {
    return cellTokens != null;
  }

  // ---- transform ----

  /** The output columns, in order, after the input's. */
  public List<String> outputColumns() {
    return StageRows.outputColumns(getOutputPrefix(), modelConfig().hierarchies(), getTopK(), getRejectCol(),
        getRejectDetailCol());
  }

  @Override
  public StructType transformSchema(StructType schema) {
    StageRows.inputKind(schema, getInputCol()); // throws naming the column when it is missing or of another type
    int finest = modelConfig().hierarchy().classCount(modelConfig().hierarchies() - 1);
    if (getTopK() > finest) {
      throw new IllegalArgumentException("Cannot set topK to " + getTopK() + ": the model's finest hierarchy has " + finest
          + " classes");
    }
    List<String> existing = Arrays.asList(schema.fieldNames());
    List<String> clashes = new ArrayList<>();
    for (String c : outputColumns()) {
      if (existing.contains(c)) {
        clashes.add(c);
      }
    }
    if (!clashes.isEmpty()) {
      throw new IllegalArgumentException("GeoLocatorModel would overwrite the input columns " + clashes
          + "; set outputPrefix (e.g. \"pred_\") or rejectCol/rejectDetailCol to other names (input columns: " + existing + ")");
    }
    return StageRows.outputSchema(schema, getOutputPrefix(), modelConfig().hierarchies(), getTopK(), getRejectCol(),
        getRejectDetailCol());
  }

  @Override
  public Dataset<Row> transform(Dataset<?> dataset) {
    StructType out = transformSchema(dataset.schema());
    SparkSession spark = dataset.sparkSession();
    return spark.createDataFrame(transformRows(spark, dataset.toDF().javaRDD(), dataset.schema(), null), out);
  }

  /**
   * The rows of {@link #transform}, for callers that hold an RDD (the score job): each input row
   * followed by the output columns, one row per input row in input order.
   *
   * @param schema the input rows' schema
   * @param times where to add the tasks' phase times, or null
   */
  public JavaRDD<Row> transformRows(SparkSession spark, JavaRDD<Row> rows, StructType schema, TaskTimes times) {
    transformSchema(schema);
    ModelConfig c = modelConfig();
    StageRows layout = new StageRows(schema.fieldIndex(getInputCol()), StageRows.inputKind(schema, getInputCol()),
        c.hierarchies(), getTopK());
    PartitionScorer.Settings settings = new PartitionScorer.Settings(modelUri, getDevice(), c.imageSize(), getBatchSize(),
        getTopK(), getTenCrop(), getMaxImageBytes(), new HadoopConf(spark.sparkContext().hadoopConfiguration()),
        Precision.parse(getPrecision()));
    return rows.mapPartitions(new PartitionScorer(settings, layout, tokens(spark), times));
  }

  /** The cell tokens, broadcast once per stage instance. */
  private synchronized Broadcast<String[]> tokens(SparkSession spark) {
    if (cellTokens == null) {
      return null;
    }
    if (tokensBroadcast == null) {
      tokensBroadcast = JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(cellTokens);
    }
    return tokensBroadcast;
  }

  /** Frees what transform broadcast (the cell ids); a later transform broadcasts them again. */
  public synchronized void release() {
    if (tokensBroadcast != null) {
      tokensBroadcast.unpersist();
      tokensBroadcast = null;
    }
  }

  @Override
  public GeoLocatorModel copy(ParamMap extra) {
    GeoLocatorModel that = new GeoLocatorModel(uid, modelUri, config, cellTokens);
    copyValues(that, extra);
    return that.setParent(parent());
  }

  // ---- saving ----

  @Override
  public MLWriter write() {
    return new Writer(this);
  }

  /** Params metadata (Spark's layout), the model directory copied to model/, cell ids in data/. */
  private static final class Writer extends MLWriter {
    private final GeoLocatorModel stage;

    Writer(GeoLocatorModel stage) {
      this.stage = stage;
    }

    @Override
    public void saveImpl(String path) {
      SparkSession spark = sparkSession();
      DefaultParamsWriter.saveMetadata(stage, path, spark);
      org.apache.hadoop.conf.Configuration conf = spark.sparkContext().hadoopConfiguration();
      try {
        Path src = new Path(stage.modelUri);
        Path dst = new Path(path, MODEL_DIR);
        FileSystem srcFs = src.getFileSystem(conf);
        FileSystem dstFs = dst.getFileSystem(conf);
        dstFs.mkdirs(dst);
        for (String name : new String[] {ModelCheckpoint.CONFIG_FILE, ModelCheckpoint.PARAMETERS_FILE}) {
          FileUtil.copy(srcFs, new Path(src, name), dstFs, new Path(dst, name), false, true, conf);
        }
      } catch (IOException e) {
        throw new JobFailedException("Cannot copy the model " + stage.modelUri + " into " + path + ": " + e.getMessage(), e);
      }
      if (stage.cellTokens != null) {
        List<Row> rows = new ArrayList<>(stage.cellTokens.length);
        for (int i = 0; i < stage.cellTokens.length; i++) {
          rows.add(RowFactory.create(i, stage.cellTokens[i]));
        }
        StructType schema = new StructType().add("class_label", DataTypes.IntegerType, false)
            .add("cell_id", DataTypes.StringType, false);
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(new Path(path, CELLS_DATA).toString());
      }
    }
  }

  private static final class Reader extends MLReader<GeoLocatorModel> {
    @Override
    public GeoLocatorModel load(String path) {
      SparkSession spark = sparkSession();
      DefaultParamsReader.Metadata metadata = DefaultParamsReader.loadMetadata(path, spark, GeoLocatorModel.class.getName());
      HadoopConf conf = new HadoopConf(spark.sparkContext().hadoopConfiguration());
      String modelUri = ScoreJob.qualify(conf, new Path(path, MODEL_DIR).toString(), "the saved stage's model");
      ModelConfig config = ScoreJob.readModelConfig(conf, modelUri);
      String[] tokens = null;
      Path data = new Path(path, CELLS_DATA);
      try {
        if (data.getFileSystem(conf.get()).exists(data)) {
          List<Row> rows = spark.read().parquet(data.toString()).orderBy("class_label").collectAsList();
          tokens = new String[rows.size()];
          for (int i = 0; i < tokens.length; i++) {
            tokens[i] = rows.get(i).getString(1);
          }
        }
      } catch (IOException e) {
        throw new JobFailedException("Cannot read " + data + ": " + e.getMessage(), e);
      }
      GeoLocatorModel stage = new GeoLocatorModel(metadata.uid(), modelUri, config, tokens);
      metadata.getAndSetParams(stage, scala.Option.empty());
      return stage;
    }
  }
}
