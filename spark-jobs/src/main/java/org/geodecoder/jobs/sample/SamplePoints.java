package org.geodecoder.jobs.sample;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.geo.PhotoLocationSampler;

/** Generates realistic photo locations in MP-16's manifest layout (IMG_ID, AUTHOR, LAT, LON). */
public final class SamplePoints {
  public static final StructType SCHEMA = new StructType()
      .add("IMG_ID", DataTypes.StringType, false)
      .add("AUTHOR", DataTypes.StringType, false)
      .add("LAT", DataTypes.DoubleType, false)
      .add("LON", DataTypes.DoubleType, false);

  private SamplePoints() {}

  /** {@code count} points, generated in parallel; identical for any number of partitions. */
  public static Dataset<Row> generate(SparkSession spark, long count, long seed, int partitions) {
    var rows = spark.range(0, count, 1, partitions).javaRDD().mapPartitions(ids -> {
      PhotoLocationSampler sampler = PhotoLocationSampler.worldCities(seed);
      List<Row> out = new ArrayList<>();
      while (ids.hasNext()) {
        long i = ids.next();
        double[] p = sampler.sample(i);
        String id = String.format("%02x/%02x/%d.jpg", (i * 131) & 0xff, (i * 31 + 7) & 0xff, 1_000_000_000L + i);
        out.add(RowFactory.create(id, "author_" + Long.toHexString(mix(seed, i / 17)), p[0], p[1]));
      }
      return out.iterator();
    });
    return spark.createDataFrame(rows, SCHEMA);
  }

  /** Writes them as CSV with a header (a directory of part files). */
  public static void writeCsv(SparkSession spark, long count, long seed, String uri) {
    int partitions = (int) Math.max(1, Math.min(64, count / 250_000 + 1));
    spark.sparkContext().setJobDescription("generate " + count + " sample photo locations");
    generate(spark, count, seed, partitions).write().mode("overwrite").option("header", "true").csv(uri);
  }

  private static long mix(long seed, long x) {
    long z = seed * 0x9E3779B97F4A7C15L + x;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return (z ^ (z >>> 31)) & 0xffffffL;
  }
}
