package org.geodecoder.jobs.pipeline;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.partition.CellTables;
import org.geodecoder.s2.CellClass;
import org.geodecoder.s2.CellVocabulary;

/**
 * The trivial predictors a geolocation model must beat, fitted on the training split and
 * written as prediction sets evaluate can read (id, lat, lon, true_lat, true_lon):
 * <ul>
 *   <li><b>mean location</b>: every image at the spherical mean of the training locations
 *       (the normalised sum of their unit vectors);
 *   <li><b>most frequent cell</b>: every image at the location of the finest hierarchy's most
 *       frequent class among the training labels, the location the model itself predicts when
 *       it chooses that class.
 * </ul>
 */
final class Baselines {
  static final String MEAN_LOCATION = "mean-location";
  static final String MOST_FREQUENT_CELL = "most-frequent-cell";

  /** A constant prediction. */
  record Point(String name, double latDegrees, double lonDegrees, String why) {}

  private final Point meanLocation;
  private final Point mostFrequentCell;

  private Baselines(Point meanLocation, Point mostFrequentCell) {
    this.meanLocation = meanLocation;
    this.mostFrequentCell = mostFrequentCell;
  }

  List<Point> points() {
    return List.of(meanLocation, mostFrequentCell);
  }

  /**
   * @param shards ingest shards (id, lat, lon, split); the rows with split = "train" are used
   * @param labels partition's labels.parquet
   * @param cells partition's cells.parquet
   */
  static Baselines fit(SparkSession spark, String shards, String labels, String cells) {
    Dataset<Row> train = spark.read().parquet(shards).filter(col("split").equalTo("train")).select("id", "lat", "lon");
    Row sums = train.selectExpr(
        "sum(cos(radians(lat)) * cos(radians(lon)))", "sum(cos(radians(lat)) * sin(radians(lon)))", "sum(sin(radians(lat)))",
        "count(*)").first();
    long n = sums.getLong(3);
    if (n == 0) {
      throw new JobFailedException("No training rows (split = 'train') in " + shards + ": no baseline can be fitted");
    }
    double x = sums.getDouble(0);
    double y = sums.getDouble(1);
    double z = sums.getDouble(2);
    Point mean = new Point(MEAN_LOCATION, Math.toDegrees(Math.atan2(z, Math.hypot(x, y))), Math.toDegrees(Math.atan2(y, x)),
        "spherical mean of " + n + " training locations");

    CellVocabulary vocabulary = CellTables.read(spark, cells);
    int finest = vocabulary.hierarchies() - 1;
    String labelCol = "label_h" + (finest + 1);
    List<Row> top = spark.read().parquet(labels).join(train.select("id"), "id").filter(col(labelCol).geq(0))
        .groupBy(labelCol).agg(count(lit(1)).as("n")).orderBy(col("n").desc(), col(labelCol).asc()).limit(1).collectAsList();
    if (top.isEmpty()) {
      throw new JobFailedException("No training row of " + shards + " has a label in " + labels + " (" + labelCol + ")");
    }
    int label = top.get(0).getInt(0);
    CellClass cell = vocabulary.cell(finest, label);
    Point frequent = new Point(MOST_FREQUENT_CELL, cell.latDegrees(), cell.lonDegrees(),
        "class " + label + " of hierarchy " + (finest + 1) + " (S2 cell " + cell.cellToken() + ", " + top.get(0).getLong(1)
            + " training images)");
    return new Baselines(mean, frequent);
  }

  /**
   * Writes each baseline's predictions for the images of {@code truth} (id, lat, lon) to
   * {@code dir/<baseline>}; returns nothing: the names are {@link #points()}'.
   */
  void writePredictions(Dataset<Row> truth, String dir) {
    Dataset<Row> t = truth.select(col("id"), col("lat").as("true_lat"), col("lon").as("true_lon"));
    for (Point p : points()) {
      t.select(col("id"), lit(p.latDegrees()).as("lat"), lit(p.lonDegrees()).as("lon"), col("true_lat"), col("true_lon"))
          .coalesce(1).write().mode(SaveMode.Overwrite).parquet(dir + "/" + p.name());
    }
  }
}
