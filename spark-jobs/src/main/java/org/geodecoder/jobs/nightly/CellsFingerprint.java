package org.geodecoder.jobs.nightly;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Identity of a partition's class set: SHA-256 over every {@code (hierarchy, class_label,
 * cell_id)} of {@code cells.parquet}, in that order. Class labels are the cells' ranks in S2
 * order within their hierarchy, so the same cells always get the same labels: equal
 * fingerprints mean a model's classifier heads stay valid (fine-tune), different ones mean a new
 * model generation (train from scratch). Cell statistics (counts, mean locations) are not part
 * of it: they change with every new image and do not change what a class is.
 *
 * @param classes classes per hierarchy, coarsest first
 */
public record CellsFingerprint(String sha256, List<Integer> classes) {
  public CellsFingerprint {
    classes = List.copyOf(classes);
  }

  /** Reads the cells table; collects one small row per class (never per image). */
  public static CellsFingerprint of(SparkSession spark, String cellsUri) {
    List<Row> rows = spark.read().parquet(cellsUri).select("hierarchy", "class_label", "cell_id")
        .orderBy("hierarchy", "class_label").collectAsList();
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    TreeMap<Integer, Integer> perHierarchy = new TreeMap<>();
    for (Row r : rows) {
      int h = ((Number) r.get(0)).intValue();
      perHierarchy.merge(h, 1, Integer::sum);
      sha.update((h + "," + r.get(1) + "," + r.get(2) + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return new CellsFingerprint(HexFormat.of().formatHex(sha.digest()), new ArrayList<>(perHierarchy.values()));
  }
}
