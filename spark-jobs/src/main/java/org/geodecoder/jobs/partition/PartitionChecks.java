package org.geodecoder.jobs.partition;

import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PartitionFingerprint;
import org.geodecoder.s2.CellVocabulary;

/** The partition job's data-safety steps, kept apart from its main flow. */
final class PartitionChecks {
  private PartitionChecks() {}

  /** A hierarchy without classes gives a model with nothing to predict: fail, naming the thresholds. */
  static void requireClasses(int[] classCounts, PartitionOptions o, long fitted) {
    for (int h = 0; h < classCounts.length; h++) {
      if (classCounts[h] == 0) {
        throw new JobFailedException("Hierarchy " + (h + 1) + " has 0 classes: no cell of the " + fitted
            + " fitted locations keeps more than --" + PartitionOptions.TMIN + " " + o.params().tmin(h) + " images (--"
            + PartitionOptions.TMAX + " " + o.params().tmax(h) + " for this hierarchy); lower --" + PartitionOptions.TMIN
            + " or --" + PartitionOptions.TMAX + ", or give more locations");
      }
    }
  }

  /** Writes the same fingerprint into labels.parquet and cells.parquet; returns it. */
  static String writeFingerprint(SparkSession spark, CellVocabulary vocabulary, OutputDir out) {
    String fp = PartitionFingerprint.of(vocabulary);
    var conf = spark.sparkContext().hadoopConfiguration();
    PartitionFingerprint.write(conf, out.child("labels.parquet"), fp);
    PartitionFingerprint.write(conf, out.child(CellTables.CELLS_PARQUET), fp);
    return fp;
  }
}
