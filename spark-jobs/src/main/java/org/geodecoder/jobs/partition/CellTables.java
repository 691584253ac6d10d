package org.geodecoder.jobs.partition;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.s2.CellClass;
import org.geodecoder.s2.CellVocabulary;

/**
 * {@code cells.parquet} (all hierarchies, DESIGN.md §3) and {@code cells_h<k>.csv}
 * (GeoEstimation's layout): writing, and reading back into a {@link CellVocabulary} for the
 * jobs that load the cells instead of recomputing them.
 */
public final class CellTables {
  public static final String CELLS_PARQUET = "cells.parquet";

  /** Schema of cells.parquet; cell_id is the S2 token (the one cell-id type of all our files). */
  public static final StructType SCHEMA = new StructType()
      .add("hierarchy", DataTypes.IntegerType, false)
      .add("class_label", DataTypes.IntegerType, false)
      .add("cell_id", DataTypes.StringType, false)
      .add("level", DataTypes.IntegerType, false)
      .add("count", DataTypes.LongType, false)
      .add("lat", DataTypes.DoubleType, false)
      .add("lon", DataTypes.DoubleType, false)
      .add("lat_mean", DataTypes.DoubleType, false)
      .add("lon_mean", DataTypes.DoubleType, false)
      .add("center_lat", DataTypes.DoubleType, false)
      .add("center_lon", DataTypes.DoubleType, false)
      .add("parent_class", DataTypes.IntegerType, false);

  private CellTables() {}

  /** Writes cells.parquet and one GeoEstimation CSV per hierarchy. */
  public static void write(SparkSession spark, CellVocabulary vocabulary, OutputDir out) {
    List<Object[]> values = new ArrayList<>();
    for (int h = 0; h < vocabulary.hierarchies(); h++) {
      for (CellClass c : vocabulary.classesOf(h)) {
        values.add(new Object[] {c.hierarchy(), c.classLabel(), c.cellToken(), c.level(), c.count(),
            c.latDegrees(), c.lonDegrees(), c.latMeanDegrees(), c.lonMeanDegrees(),
            c.centerLatDegrees(), c.centerLonDegrees(), c.parentClass()});
      }
    }
    // The rows travel once, as a broadcast, and a task per slot builds its share: a vocabulary
    // of 10^5 classes in parallelize()'s slices meant a dozen tasks (each under Spark's
    // recommended task size) of serialized rows and Parquet files, most of this step's time.
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Object[][]> all = jsc.broadcast(values.toArray(new Object[0][]));
    int slices = Math.max(1, Math.min(jsc.defaultParallelism(), values.size() / 1_000 + 1));
    int n = values.size();
    JavaRDD<Row> rows = jsc.parallelize(IntStream.range(0, slices).boxed().toList(), slices)
        .flatMap(k -> Arrays.stream(all.value(), (int) ((long) n * k / slices), (int) ((long) n * (k + 1) / slices))
            .map(v -> (Row) RowFactory.create(v)).iterator());
    spark.createDataFrame(rows, SCHEMA).write().parquet(out.child(CELLS_PARQUET));
    all.destroy();
    for (int h = 0; h < vocabulary.hierarchies(); h++) {
      out.writeText("cells_h" + (h + 1) + ".csv", vocabulary.toGeoEstimationCsv(h));
    }
  }

  /** Reads a cells.parquet written by {@link #write} (directory or its parent output dir). */
  public static CellVocabulary read(SparkSession spark, String uri) {
    String path = uri.endsWith(CELLS_PARQUET) || uri.endsWith(CELLS_PARQUET + "/") ? uri : uri + "/" + CELLS_PARQUET;
    List<Row> rows = spark.read().parquet(path).select(
        "hierarchy", "class_label", "cell_id", "level", "count", "lat", "lon",
        "lat_mean", "lon_mean", "center_lat", "center_lon", "parent_class").collectAsList();
    List<CellClass> classes = new ArrayList<>(rows.size());
    for (Row r : rows) {
      classes.add(new CellClass(r.getInt(0), r.getInt(1), r.getString(2), r.getInt(3), r.getLong(4),
          r.getDouble(5), r.getDouble(6), r.getDouble(7), r.getDouble(8), r.getDouble(9), r.getDouble(10), r.getInt(11)));
    }
    return CellVocabulary.fromClasses(classes);
  }
}
