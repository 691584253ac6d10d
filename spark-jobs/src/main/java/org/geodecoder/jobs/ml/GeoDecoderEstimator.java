package org.geodecoder.jobs.ml;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.BooleanParam;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.LongParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.param.StringArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.ingest.AuthorSplit;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.partition.PartitionOptions;
import org.geodecoder.jobs.train.TrainJob;
import org.geodecoder.jobs.train.TrainOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Training as a Spark ML estimator: {@code fit(df)} over a DataFrame of images with their true
 * locations runs the project's own jobs, as the {@code pipeline} job chains them, and returns a
 * {@link GeoLocatorModel}:
 *
 * <ol>
 *   <li>shards: the rows written as ingest's shards ({@code id, author, lat, lon, scene*, image,
 *       split}) under {@code workDir/shards}, with ingest's author-disjoint validation split
 *       ({@link AuthorSplit}; without an author column each image is its own author);
 *   <li>{@code partition} ({@link PartitionJob}) fitted on the training split → {@code
 *       workDir/partition} (cells and labels);
 *   <li>{@code train} ({@link TrainJob}), synchronous data-parallel on a barrier stage → {@code
 *       workDir/train} (checkpoints, metrics, report, {@code model/}).
 * </ol>
 *
 * <p>Params are the jobs' options: an unset param leaves the job's default (e.g. {@code epochs}
 * 40, {@code batchSize} 512, {@code tmax} the paper's seven hierarchies); {@link #trainOptions()}
 * and {@link #partitionOptions()} pass any other option as {@code key=value}. Options are
 * validated by the jobs' own parsers, so a bad value is named as the jobs name it.
 *
 * <p>Input columns: {@link #imageCol()} (binary, encoded JPEG/PNG), {@link #idCol()} (unique),
 * {@link #latCol()}, {@link #lonCol()} (degrees), optional {@link #authorCol()} and scene labels
 * ({@code scene3}, {@code scene16}, {@code scene365}, carried when present).
 */
public final class GeoDecoderEstimator extends Estimator<GeoLocatorModel> implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(GeoDecoderEstimator.class);
  private static final List<String> SCENE_COLUMNS = List.of("scene3", "scene16", "scene365");

  private final String uid;
  private final Param<String> imageCol;
  private final Param<String> idCol;
  private final Param<String> latCol;
  private final Param<String> lonCol;
  private final Param<String> authorCol;
  private final Param<String> outputPrefix;
  private final Param<String> workDir;
  private final BooleanParam overwrite;
  private final DoubleParam valFraction;
  private final Param<String> tmin;
  private final Param<String> tmax;
  private final Param<String> preset;
  private final IntParam epochs;
  private final IntParam batchSize;
  private final DoubleParam lr;
  private final Param<String> milestones;
  private final Param<String> replicas;
  private final Param<String> device;
  private final LongParam seed;
  private final IntParam valSamples;
  private final StringArrayParam trainOptions;
  private final StringArrayParam partitionOptions;

  public GeoDecoderEstimator() {
    this(Identifiable.randomUID("geoDecoder"));
  }

  public GeoDecoderEstimator(String uid) {
    this.uid = uid;
    // Params are made after uid is set: each records its owner's uid.
    imageCol = new Param<>(this, "imageCol", "input column of encoded JPEG/PNG bytes (binary)");
    idCol = new Param<>(this, "idCol", "unique id of each image (string or number)");
    latCol = new Param<>(this, "latCol", "true latitude, degrees");
    lonCol = new Param<>(this, "lonCol", "true longitude, degrees");
    authorCol = new Param<>(this, "authorCol",
        "photographer, for the author-disjoint validation split; empty: each image is its own author");
    outputPrefix = new Param<>(this, "outputPrefix", "outputPrefix of the fitted GeoLocatorModel (the input has lat/lon)");
    workDir = new Param<>(this, "workDir", "directory (any Hadoop URI) for the shards, the partition and the training run");
    overwrite = new BooleanParam(this, "overwrite", "replace what an earlier fit left in workDir");
    valFraction = new DoubleParam(this, "valFraction", "share of authors whose images form the validation split",
        ParamValidators.inRange(0, 0.9));
    tmin = new Param<>(this, "tmin", "partition: cells with at most this many images are dropped (one value or one per hierarchy)");
    tmax = new Param<>(this, "tmax", "partition: one value per hierarchy, coarsest first; cells above it are split");
    preset = new Param<>(this, "preset", "train: model preset (micro, swin_tiny, swin_small, swin_base, paper)");
    epochs = new IntParam(this, "epochs", "train: passes over the training split", ParamValidators.gtEq(1));
    batchSize = new IntParam(this, "batchSize", "train: global batch", ParamValidators.gtEq(1));
    lr = new DoubleParam(this, "lr", "train: SGD learning rate", ParamValidators.gt(0));
    milestones = new Param<>(this, "milestones", "train: epochs at which the rate is multiplied by gamma");
    replicas = new Param<>(this, "replicas", "train: model replicas (auto or a number)");
    device = new Param<>(this, "device", "train: auto, cpu or gpu");
    seed = new LongParam(this, "seed", "train: seed of the weights, data order and augmentations");
    valSamples = new IntParam(this, "valSamples", "train: validation samples scored after every epoch", ParamValidators.gtEq(0));
    trainOptions = new StringArrayParam(this, "trainOptions", "any other train option, as key=value");
    partitionOptions = new StringArrayParam(this, "partitionOptions", "any other partition option, as key=value");
    setDefault(imageCol, "image");
    setDefault(idCol, "id");
    setDefault(latCol, "lat");
    setDefault(lonCol, "lon");
    setDefault(authorCol, "");
    setDefault(outputPrefix, "pred_");
    setDefault(overwrite, false);
    setDefault(valFraction, 0.1);
    setDefault(trainOptions, new String[0]);
    setDefault(partitionOptions, new String[0]);
  }

  public static MLReader<GeoDecoderEstimator> read() {
    return new DefaultParamsReader<>();
  }

  public static GeoDecoderEstimator load(String path) {
    return read().load(path);
  }

  @Override
  public String uid() {
    return uid;
  }

  // ---- params: accessors (Spark finds params by these), getters and setters ----

  public Param<String> imageCol() {
    return imageCol;
  }

  public Param<String> idCol() {
    return idCol;
  }

  public Param<String> latCol() {
    return latCol;
  }

  public Param<String> lonCol() {
    return lonCol;
  }

  public Param<String> authorCol() {
    return authorCol;
  }

  public Param<String> outputPrefix() {
    return outputPrefix;
  }

  public Param<String> workDir() {
    return workDir;
  }

  public BooleanParam overwrite() {
    return overwrite;
  }

  public DoubleParam valFraction() {
    return valFraction;
  }

  public Param<String> tmin() {
    return tmin;
  }

  public Param<String> tmax() {
    return tmax;
  }

  public Param<String> preset() {
    return preset;
  }

  public IntParam epochs() {
    return epochs;
  }

  public IntParam batchSize() {
    return batchSize;
  }

  public DoubleParam lr() {
    return lr;
  }

  public Param<String> milestones() {
    return milestones;
  }

  public Param<String> replicas() {
    return replicas;
  }

  public Param<String> device() {
    return device;
  }

  public LongParam seed() {
    return seed;
  }

  public IntParam valSamples() {
    return valSamples;
  }

  public StringArrayParam trainOptions() {
    return trainOptions;
  }

  public StringArrayParam partitionOptions() {
    return partitionOptions;
  }

  public GeoDecoderEstimator setImageCol(String v) {
    set(imageCol, v);
    return this;
  }

  public GeoDecoderEstimator setIdCol(String v) {
    set(idCol, v);
    return this;
  }

  public GeoDecoderEstimator setLatCol(String v) {
    set(latCol, v);
    return this;
  }

  public GeoDecoderEstimator setLonCol(String v) {
    set(lonCol, v);
    return this;
  }

  public GeoDecoderEstimator setAuthorCol(String v) {
    set(authorCol, v);
    return this;
  }

  public GeoDecoderEstimator setOutputPrefix(String v) {
    set(outputPrefix, v);
    return this;
  }

  public GeoDecoderEstimator setWorkDir(String v) {
    set(workDir, v);
    return this;
  }

  public GeoDecoderEstimator setOverwrite(boolean v) {
    set(overwrite, v);
    return this;
  }

  public GeoDecoderEstimator setValFraction(double v) {
    set(valFraction, v);
    return this;
  }

  public GeoDecoderEstimator setTmin(String v) {
    set(tmin, v);
    return this;
  }

  public GeoDecoderEstimator setTmax(String v) {
    set(tmax, v);
    return this;
  }

  public GeoDecoderEstimator setPreset(String v) {
    set(preset, v);
    return this;
  }

  public GeoDecoderEstimator setEpochs(int v) {
    set(epochs, v);
    return this;
  }

  public GeoDecoderEstimator setBatchSize(int v) {
    set(batchSize, v);
    return this;
  }

  public GeoDecoderEstimator setLr(double v) {
    set(lr, v);
    return this;
  }

  public GeoDecoderEstimator setMilestones(String v) {
    set(milestones, v);
    return this;
  }

  public GeoDecoderEstimator setReplicas(String v) {
    set(replicas, v);
    return this;
  }

  public GeoDecoderEstimator setDevice(String v) {
    set(device, v);
    return this;
  }

  public GeoDecoderEstimator setSeed(long v) {
    set(seed, v);
    return this;
  }

  public GeoDecoderEstimator setValSamples(int v) {
    set(valSamples, v);
    return this;
  }

  public GeoDecoderEstimator setTrainOptions(String... keyValues) {
    set(trainOptions, keyValues);
    return this;
  }

  public GeoDecoderEstimator setPartitionOptions(String... keyValues) {
    set(partitionOptions, keyValues);
    return this;
  }

  // ---- the jobs' options ----

  private String dir(String child) {
    if (!isDefined(workDir)) {
      throw new IllegalArgumentException("GeoDecoderEstimator: set workDir (where the shards, the partition and the training run go)");
    }
    return new Path($(workDir), child).toString();
  }

  /** The partition job's options of a fit. */
  Map<String, String> partitionJobOptions() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put(PartitionOptions.INPUT, dir("shards"));
    o.put(PartitionOptions.OUTPUT, dir("partition"));
    o.put(PartitionOptions.FIT_SPLIT, AuthorSplit.TRAIN);
    o.put(PartitionOptions.OVERWRITE, Boolean.toString((Boolean) $(overwrite)));
    putIfSet(o, PartitionOptions.TMIN, tmin);
    putIfSet(o, PartitionOptions.TMAX, tmax);
    putAll(o, $(partitionOptions), "partitionOptions");
    return o;
  }

  /** The train job's options of a fit. */
  Map<String, String> trainJobOptions() {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("shards", dir("shards"));
    o.put("labels", dir("partition/labels.parquet"));
    o.put("cells", dir("partition/cells.parquet"));
    o.put("output", dir("train"));
    o.put("overwrite", Boolean.toString((Boolean) $(overwrite)));
    putIfSet(o, "preset", preset);
    putIfSet(o, "epochs", epochs);
    putIfSet(o, "batch-size", batchSize);
    putIfSet(o, "lr", lr);
    putIfSet(o, "milestones", milestones);
    putIfSet(o, "replicas", replicas);
    putIfSet(o, "device", device);
    putIfSet(o, "seed", seed);
    putIfSet(o, "val-samples", valSamples);
    putAll(o, $(trainOptions), "trainOptions");
    return o;
  }

  private void putIfSet(Map<String, String> o, String key, Param<?> p) {
    if (isDefined(p)) {
      o.put(key, String.valueOf($(p)));
    }
  }

  private static void putAll(Map<String, String> o, String[] keyValues, String param) {
    for (String kv : keyValues) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("GeoDecoderEstimator: " + param + " takes key=value, got '" + kv + "'");
      }
      o.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
    }
  }

  // ---- schema and fit ----

  @Override
  public StructType transformSchema(StructType schema) {
    List<String> names = Arrays.asList(schema.fieldNames());
    require(schema, $(imageCol), "imageCol", "binary (encoded JPEG/PNG)", BinaryType.class);
    require(schema, $(latCol), "latCol", "numeric (degrees)", NumericType.class);
    require(schema, $(lonCol), "lonCol", "numeric (degrees)", NumericType.class);
    if (!names.contains($(idCol))) {
      throw new IllegalArgumentException("GeoDecoderEstimator: id column '" + $(idCol) + "' (idCol) does not exist; the columns are "
          + names);
    }
    String author = $(authorCol);
    if (!author.isEmpty() && !names.contains(author)) {
      throw new IllegalArgumentException("GeoDecoderEstimator: author column '" + author + "' (authorCol) does not exist; the columns"
          + " are " + names + " (empty authorCol: each image is its own author)");
    }
    // Options are checked now, before any work: the jobs' parsers name a bad one.
    int hierarchies = PartitionOptions.parse(partitionJobOptions()).params().hierarchies();
    TrainOptions.parse(trainJobOptions());
    return StageRows.outputSchema(schema, $(outputPrefix), hierarchies, 1, "reject_reason", "reject_detail");
  }

  private static void require(StructType schema, String column, String param, String expected, Class<?> type) {
    List<String> names = Arrays.asList(schema.fieldNames());
    if (!names.contains(column)) {
      throw new IllegalArgumentException("GeoDecoderEstimator: column '" + column + "' (" + param + ") does not exist; the columns are "
          + names);
    }
    if (!type.isInstance(schema.apply(column).dataType())) {
      throw new IllegalArgumentException("GeoDecoderEstimator: column '" + column + "' (" + param + ") must be " + expected + ", is "
          + schema.apply(column).dataType().simpleString());
    }
  }

  @Override
  public GeoLocatorModel fit(Dataset<?> dataset) {
    transformSchema(dataset.schema());
    writeShards(dataset.toDF());
    PartitionJob.Result partition = PartitionJob.run(dataset.sparkSession(), PartitionOptions.parse(partitionJobOptions()));
    LOG.info("GeoDecoderEstimator: partition {}", partition);
    TrainJob.Result trained = TrainJob.run(dataset.sparkSession(), TrainOptions.parse(trainJobOptions()));
    GeoLocatorModel model = GeoLocatorModel.load(trained.modelDir(), dir("partition/cells.parquet"));
    model.setInputCol($(imageCol)).setOutputPrefix($(outputPrefix));
    return model.setParent(this);
  }

  /** The rows as ingest's shards, with ingest's author-disjoint split. */
  void writeShards(Dataset<Row> df) {
    AuthorSplit split = AuthorSplit.parse("author:" + $(valFraction));
    UDF1<String, String> splitOf = split::splitOf;
    String author = $(authorCol);
    Column authorValue = author.isEmpty() ? col($(idCol)).cast("string") : col(author).cast("string");
    List<Column> cols = new ArrayList<>(List.of(col($(idCol)).cast("string").as("id"), authorValue.as("author"),
        col($(latCol)).cast("double").as("lat"), col($(lonCol)).cast("double").as("lon")));
    List<String> names = Arrays.asList(df.columns());
    for (String s : SCENE_COLUMNS) {
      if (names.contains(s)) {
        cols.add(col(s).cast("int").as(s));
      }
    }
    cols.add(col($(imageCol)).as("image"));
    cols.add(udf(splitOf, DataTypes.StringType).apply(coalesce(authorValue, lit(""))).as("split"));
    df.select(cols.toArray(new Column[0])).write().mode((Boolean) $(overwrite) ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
        .parquet(dir("shards"));
  }

  @Override
  public GeoDecoderEstimator copy(ParamMap extra) {
    return defaultCopy(extra);
  }
}
