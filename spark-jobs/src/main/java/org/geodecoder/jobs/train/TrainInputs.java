package org.geodecoder.jobs.train;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.InputTables;
import scala.Tuple2;

/**
 * The training and validation samples of a run, and each epoch's input of the barrier stage:
 * the training split in the epoch's order ({@link EpochOrder}), shuffled so that partition r holds
 * replica r's slices sorted by position, followed by r's share of the validation samples.
 *
 * <p>Samples are the ingest shards joined with the partition labels on id (a left join: a shard
 * row without labels is counted as unusable by the replica, never dropped silently). Shards
 * without a {@code split} column are all training data. The joined table is prepared once per run
 * (persisted, memory then local disk, serialized) and each epoch shuffles the image bytes once: the
 * epoch's positions, computed from the ids alone, are broadcast to the rows.
 */
final class TrainInputs implements AutoCloseable {
  private final Dataset<Row> prepared;
  private final Dataset<Row> train;
  private final Dataset<Row> validation;
  private final long trainCount;
  private final long validationCount;
  private final int hierarchies;

  private TrainInputs(Dataset<Row> prepared, Dataset<Row> train, Dataset<Row> validation, long trainCount,
      long validationCount, int hierarchies) {
    this.prepared = prepared;
    this.train = train;
    this.validation = validation;
    this.trainCount = trainCount;
    this.validationCount = validationCount;
    this.hierarchies = hierarchies;
  }

  /**
   * @param sceneColumn scene3, scene16 or scene365: the labels of the model's scene head
   * @param valSamples validation samples to keep (chosen by a hash of (seed, id); 0 = none)
   */
  static TrainInputs read(SparkSession spark, TrainOptions o, int hierarchies, String sceneColumn) {
    Dataset<Row> shards = InputTables.read(spark, o.shards(), "parquet", "--shards");
    List<String> cols = Arrays.asList(shards.columns());
    for (String required : List.of("id", "image", "lat", "lon")) {
      if (!cols.contains(required)) {
        throw new JobFailedException("--shards " + o.shards() + " has no column '" + required + "' (columns: " + cols
            + "); pass the shards/ directory written by the ingest job");
      }
    }
    Dataset<Row> labels = InputTables.read(spark, o.labels(), "parquet", "--labels");
    List<String> labelCols = Arrays.asList(labels.columns());
    List<Column> labelValues = new ArrayList<>();
    for (int h = 1; h <= hierarchies; h++) {
      if (!labelCols.contains("label_h" + h)) {
        throw new JobFailedException("--labels " + o.labels() + " has no column label_h" + h + " but the model has "
            + hierarchies + " hierarchies (columns: " + labelCols + "); use the labels.parquet of the same partition as --cells");
      }
      labelValues.add(col("l.label_h" + h).cast("int"));
    }
    Column scene = cols.contains(sceneColumn) ? col("s." + sceneColumn).cast("int") : lit(-1);
    Column s3 = cols.contains("scene3") ? col("s.scene3").cast("int") : lit(-1);
    Column s16 = cols.contains("scene16") ? col("s.scene16").cast("int") : lit(-1);
    Column split = cols.contains("split") ? col("s.split") : lit("train");
    Dataset<Row> joined = shards.as("s")
        .join(labels.as("l"), col("s.id").cast("string").equalTo(col("l.id").cast("string")), "left")
        .select(col("s.id").cast("string").as("id"), col("s.image").as("image"),
            org.apache.spark.sql.functions.when(col("l.id").isNull(), lit(null))
                .otherwise(org.apache.spark.sql.functions.array(labelValues.toArray(new Column[0]))).as("labels"),
            org.apache.spark.sql.functions.coalesce(scene, lit(-1)).as("scene"),
            org.apache.spark.sql.functions.coalesce(s3, lit(-1)).as("scene3"),
            org.apache.spark.sql.functions.coalesce(s16, lit(-1)).as("scene16"),
            col("s.lat").cast("double").as("lat"), col("s.lon").cast("double").as("lon"), split.as("split"));
    // Prepared once per run: the join (a shuffle of the image bytes) is not repeated every epoch.
    Dataset<Row> prepared = joined.persist(StorageLevel.MEMORY_AND_DISK_SER());
    try {
      Map<String, Long> counts = new HashMap<>();
      for (Row r : prepared.groupBy(col("split")).count().collectAsList()) { // materialises the table
        counts.put(r.isNullAt(0) ? "" : r.getString(0), r.getLong(1));
      }
      Dataset<Row> train = prepared.filter(col("split").equalTo("train")).drop("split");
      Dataset<Row> val = prepared.filter(col("split").equalTo("val")).drop("split");
      return new TrainInputs(prepared, train, val, counts.getOrDefault("train", 0L),
          Math.min(counts.getOrDefault("val", 0L), o.valSamples()), hierarchies);
    } catch (RuntimeException e) {
      prepared.unpersist();
      throw e;
    }
  }

  /** Frees the prepared table. */
  @Override
  public void close() {
    prepared.unpersist();
  }

  long trainCount() {
    return trainCount;
  }

  long validationCount() {
    return validationCount;
  }

  /** Majority class of hierarchy 1 among the training labels, and its frequency in validation. */
  double[] majorityBaseline(long seed) {
    List<Row> top = train.filter(col("labels").isNotNull()).groupBy(col("labels").getItem(0).as("c")).count()
        .orderBy(col("count").desc(), col("c")).limit(1).collectAsList();
    if (top.isEmpty() || validationCount == 0) {
      return new double[] {-1, Double.NaN};
    }
    int c = top.get(0).getInt(0);
    Dataset<Row> v = validationRows(seed);
    long labelled = v.filter(col("labels").isNotNull().and(col("labels").getItem(0).geq(0))).count();
    long hits = v.filter(col("labels").isNotNull().and(col("labels").getItem(0).equalTo(c))).count();
    return new double[] {c, labelled == 0 ? Double.NaN : hits / (double) labelled};
  }

  /** The validation samples used every epoch: the first {@code validationCount} by hash of (seed, id). */
  private Dataset<Row> validationRows(long seed) {
    return validation.withColumn("k", xxhash64(lit(seed), col("id"))).orderBy(col("k"), col("id")).limit((int) validationCount)
        .drop("k");
  }

  /** The barrier stage's input for one epoch: partition r = replica r's rows, sorted by position. */
  JavaRDD<TrainingSample> epoch(SparkSession spark, long seed, int epoch, long stepsPerEpoch, int batchSize, int replicas) {
    long used = stepsPerEpoch * batchSize;
    // Positions come from the ids alone (small rows), then travel with the images in one shuffle.
    JavaPairRDD<Row, Long> ordered = train.select(col("id"), xxhash64(lit(seed), lit(epoch), col("id")).as("k"))
        .orderBy(col("k"), col("id")).select("id").javaRDD().zipWithIndex();
    StructType schema = new StructType().add("pid", DataTypes.StringType).add("position", DataTypes.LongType);
    Dataset<Row> positions = spark.createDataFrame(ordered.filter(t -> t._2() < used)
        .map(t -> RowFactory.create(t._1().getString(0), t._2())), schema);
    // The positions (id, long) are broadcast: the images are shuffled only once, to their replicas.
    JavaRDD<TrainingSample> trainRows = train.join(broadcast(positions), col("id").equalTo(col("pid"))).drop("pid")
        .javaRDD().map(r -> sample(r, r.getLong(r.fieldIndex("position"))));
    JavaRDD<TrainingSample> all = validationCount == 0 ? trainRows : trainRows.union(
        validationRows(seed).javaRDD().zipWithIndex().map(t -> sample(t._1(), EpochOrder.VALIDATION_BASE + t._2())));
    return all.mapToPair(s -> new Tuple2<>(s.position(), s))
        .repartitionAndSortWithinPartitions(new EpochOrder.ReplicaPartitioner(batchSize, replicas))
        .values();
  }

  private static TrainingSample sample(Row r, long position) {
    int[] labels = null;
    int li = r.fieldIndex("labels");
    if (!r.isNullAt(li)) {
      List<Object> l = r.getList(li);
      labels = new int[l.size()];
      for (int i = 0; i < labels.length; i++) {
        labels[i] = l.get(i) == null ? -1 : ((Number) l.get(i)).intValue();
      }
    }
    return new TrainingSample(position, r.getString(r.fieldIndex("id")), (byte[]) r.get(r.fieldIndex("image")), labels,
        r.getInt(r.fieldIndex("scene")), r.getInt(r.fieldIndex("scene3")), r.getInt(r.fieldIndex("scene16")),
        r.getDouble(r.fieldIndex("lat")), r.getDouble(r.fieldIndex("lon")));
  }
}
