package org.geodecoder.jobs.partition;

import java.util.ArrayList;
import java.util.List;
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

  /** Writes cells.parquet (one file) and one GeoEstimation CSV per hierarchy. */
  public static void write(SparkSession spark, CellVocabulary vocabulary, OutputDir out) {
    List<Row> rows = new ArrayList<>();
    for (int h = 0; h < vocabulary.hierarchies(); h++) {
      for (CellClass c : vocabulary.classesOf(h)) {
        rows.add(RowFactory.create(c.hierarchy(), c.classLabel(), c.cellToken(), c.level(), c.count(),
            c.latDegrees(), c.lonDegrees(), c.latMeanDegrees(), c.lonMeanDegrees(),
            c.centerLatDegrees(), c.centerLonDegrees(), c.parentClass()));
      }
    }
    // Several small slices, not one local relation: keeps each task well under Spark's
    // recommended task size for vocabularies of 10^5 classes.
    int slices = Math.max(1, rows.size() / 5_000 + 1);
    var rdd = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(rows, slices);
    spark.createDataFrame(rdd, SCHEMA).write().parquet(out.child(CELLS_PARQUET));
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
