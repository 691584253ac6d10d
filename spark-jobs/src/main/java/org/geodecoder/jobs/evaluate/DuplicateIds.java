package org.geodecoder.jobs.evaluate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/**
 * Ids that occur more than once, in a prediction set or in the ground truth: each would count
 * more than once in every metric. The rule ({@code --duplicates}): {@code fail} (default) stops
 * with the counts and the first {@value #SHOWN} ids, the affected rows in rejects/; {@code first}
 * keeps each id's first row in file order (the others go to rejects/ with reason
 * {@value #IN_PREDICTIONS}; a ground-truth id's first row is its truth).
 */
final class DuplicateIds {
  static final int SHOWN = 20;
  static final String IN_PREDICTIONS = "duplicate_id_in_predictions";
  static final String IN_GROUND_TRUTH = "duplicate_id_in_ground_truth";
  /** Row number in file order, added when a table is read. */
  static final String ROW = "_row";

  /** Duplicated keys of a table: how many, and the first few (sorted). */
  record Found(long ids, List<String> first) {
    boolean any() {
      return ids > 0;
    }

    String describe() {
      return ids + (ids == 1 ? " id has" : " ids have") + " more than one row (" + (ids > SHOWN ? "first " + SHOWN + ": " : "")
          + first + ")";
    }
  }

  private DuplicateIds() {}

  /** Duplicated (dataset, id) pairs of the prediction rows, shown as dataset/id. */
  static Found inPredictions(Dataset<Row> rows) {
    Dataset<Row> keys = keys(rows, "dataset", "id");
    List<String> first = keys.orderBy("dataset", "id").limit(SHOWN).collectAsList().stream()
        .map(r -> r.getString(0) + "/" + r.getString(1)).toList();
    return new Found(first.isEmpty() ? 0 : keys.count(), first);
  }

  /** Duplicated ids of the ground truth (column gt_id). */
  static Found inGroundTruth(Dataset<Row> gt) {
    Dataset<Row> keys = keys(gt, "gt_id");
    List<String> first = keys.orderBy("gt_id").limit(SHOWN).collectAsList().stream().map(r -> r.getString(0)).toList();
    return new Found(first.isEmpty() ? 0 : keys.count(), first);
  }

  static Dataset<Row> keys(Dataset<Row> rows, String... key) {
    return rows.groupBy(key[0], java.util.Arrays.copyOfRange(key, 1, key.length)).count().filter(col("count").gt(1)).drop("count");
  }

  /** Rows numbered within their key in file order (1 = first). */
  static Dataset<Row> numbered(Dataset<Row> rows, String... key) {
    return rows.withColumn("_n", row_number().over(Window.partitionBy(key[0], java.util.Arrays.copyOfRange(key, 1, key.length))
        .orderBy(col(ROW))));
  }

  /** The first row of each ground-truth id. */
  static Dataset<Row> firstOfEach(Dataset<Row> gt) {
    return numbered(gt, "gt_id").filter(col("_n").equalTo(1)).drop("_n", ROW);
  }

  /** Every prediction row of a duplicated (dataset, id) or of an id the ground truth repeats, with its reason. */
  static Dataset<Row> affected(Dataset<Row> all, Dataset<Row> gtDupIds) {
    Dataset<Row> k = keys(all, "dataset", "id").withColumnRenamed("dataset", "k_dataset").withColumnRenamed("id", "k_id");
    Dataset<Row> pred = all.join(k, all.col("dataset").equalTo(k.col("k_dataset")).and(all.col("id").equalTo(k.col("k_id"))),
        "left_semi").withColumn("reason", lit(IN_PREDICTIONS));
    if (gtDupIds == null) {
      return pred;
    }
    Dataset<Row> gt = all.join(gtDupIds, all.col("id").equalTo(gtDupIds.col("gt_id")), "left_semi")
        .withColumn("reason", lit(IN_GROUND_TRUTH));
    return pred.unionByName(gt);
  }
}
