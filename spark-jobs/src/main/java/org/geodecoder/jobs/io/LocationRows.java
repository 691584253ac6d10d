package org.geodecoder.jobs.io;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.isnan;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/**
 * Validation of located rows (id, latitude, longitude) shared by the jobs that read manifests:
 * every rejected row gets a reason, and duplicate ids are resolved deterministically.
 */
public final class LocationRows {
  /** Column holding the reject reason; null for valid rows. */
  public static final String REASON = "reason";

  private LocationRows() {}

  /**
   * Row-level validation: {@code id}, {@code lat_d}, {@code lon_d}, {@code row_reason} (null
   * when the row itself is valid) and {@code rejected} (the input row as a struct).
   */
  public static Dataset<Row> stage(Dataset<Row> raw, String idCol, String latCol, String lonCol) {
    StructType schema = raw.schema();
    Column[] originals = Arrays.stream(raw.columns()).map(c -> raw.col(quote(c))).toArray(Column[]::new);
    // Two projections: the coordinates are parsed once, into columns, and the checks read
    // those. In one projection Spark parses each coordinate again in every check that uses it
    // (5 parses of each per valid row, measured in its generated code): parsing was most of
    // the partition job's input pass. Spark keeps the projections apart because a cast is not
    // cheap to repeat (CollapseProject).
    Dataset<Row> parsed = raw.select(
        trim(raw.col(quote(idCol)).cast("string")).as("id"), text(raw, latCol).as(LAT_TEXT), text(raw, lonCol).as(LON_TEXT),
        number(raw, schema, latCol).as("lat_d"), number(raw, schema, lonCol).as("lon_d"), struct(originals).as("rejected"));
    Column id = col("id");
    Column latText = col(LAT_TEXT);
    Column lonText = col(LON_TEXT);
    Column lat = col("lat_d");
    Column lon = col("lon_d");
    Column rowReason = when(id.isNull().or(id.equalTo("")), lit("missing_id"))
        .when(latText.isNull().or(latText.equalTo("")), lit("missing_latitude"))
        .when(lonText.isNull().or(lonText.equalTo("")), lit("missing_longitude"))
        .when(lat.isNull(), lit("non_numeric_latitude"))
        .when(lon.isNull(), lit("non_numeric_longitude"))
        .when(isnan(lat), lit("nan_latitude"))
        .when(isnan(lon), lit("nan_longitude"))
        .when(lat.lt(-90).or(lat.gt(90)), lit("latitude_out_of_range"))
        .when(lon.lt(-180).or(lon.gt(180)), lit("longitude_out_of_range"));
    return parsed.select(id, lat, lon, rowReason.as("row_reason"), col("rejected"));
  }

  /** Staging's trimmed coordinate texts (internal to {@link #stage}). */
  private static final String LAT_TEXT = "lat_text_staged";
  private static final String LON_TEXT = "lon_text_staged";

  /**
   * Final classification of staged rows: adds {@code reason} (null when valid), including
   * duplicate ids, and {@code swappable} (an out-of-range latitude that would be valid with the
   * columns swapped); {@code rejected} is kept for rejected rows only; {@code carry} names
   * further staged columns to keep.
   *
   * <p>Duplicates: a hash aggregation over 64-bit hashes of the ids (8-byte shuffle records)
   * finds the few candidate ids; only rows with a candidate hash are grouped by their real id
   * and ranked. Identical copies keep one (always the same one, whatever the input order);
   * copies that disagree on the location are all rejected.
   */
  public static Dataset<Row> classify(Dataset<Row> staged, String... carry) {
    Column ok = col("row_reason").isNull();
    Dataset<Row> candidates = staged.filter(ok).groupBy(xxhash64(col("id")).as("id_hash")).count()
        .filter(col("count").gt(1)).select(col("id_hash"), lit(true).as("candidate"));
    long candidateCount = candidates.count();
    Dataset<Row> joined = staged.join(
        candidateCount <= 1_000_000 ? org.apache.spark.sql.functions.broadcast(candidates) : candidates,
        xxhash64(staged.col("id")).equalTo(col("id_hash")), "left");
    Column isCandidate = ok.and(col("candidate").isNotNull());

    Dataset<Row> single = joined.filter(org.apache.spark.sql.functions.not(isCandidate)).withColumn(REASON, col("row_reason"));
    WindowSpec byId = Window.partitionBy(col("id"));
    WindowSpec byIdOrdered = byId.orderBy(xxhash64(col("rejected")), col("lat_d"), col("lon_d"));
    Column copies = sum(lit(1)).over(byId);
    Column sameLocation = min(col("lat_d")).over(byId).equalTo(max(col("lat_d")).over(byId))
        .and(min(col("lon_d")).over(byId).equalTo(max(col("lon_d")).over(byId)));
    Dataset<Row> ranked = joined.filter(isCandidate).withColumn(REASON,
        when(copies.gt(1), when(sameLocation, when(row_number().over(byIdOrdered).gt(1), lit("duplicate_id")))
            .otherwise(lit("duplicate_id_conflicting_location"))));
    List<Column> out = new ArrayList<>(List.of(
        col("id"), col("lat_d"), col("lon_d"), col(REASON),
        when(col("row_reason").equalTo("latitude_out_of_range"),
            abs(col("lat_d")).leq(180).and(abs(col("lon_d")).leq(90))).as("swappable"),
        when(col(REASON).isNotNull(), col("rejected")).as("rejected")));
    for (String c : carry) {
      out.add(col(c));
    }
    return single.unionByName(ranked).select(out.toArray(new Column[0]));
  }

  private static Column text(Dataset<Row> raw, String c) {
    return trim(raw.col(quote(c)).cast("string"));
  }

  private static Column number(Dataset<Row> raw, StructType schema, String c) {
    if (schema.apply(c).dataType() instanceof NumericType) {
      return raw.col(quote(c)).cast("double");
    }
    // try_cast: a malformed value becomes null (a reject), not a failed job under ANSI mode.
    return expr("try_cast(trim(" + quote(c) + ") AS DOUBLE)");
  }

  public static String quote(String column) {
    return "`" + column.replace("`", "``") + "`";
  }

}
