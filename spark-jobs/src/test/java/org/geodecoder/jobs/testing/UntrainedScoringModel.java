package org.geodecoder.jobs.testing;

import ai.djl.Device;
import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.partition.CellTables;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.partition.PartitionOptions;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.s2.CellVocabulary;

/**
 * What the scoring tests (score, explain, the ML stage) score with: classes from a real partition
 * of 20,000 realistic photo locations (2 hierarchies) and an untrained {@code micro} model over
 * them (seed 5), saved as a model directory.
 */
public record UntrainedScoringModel(Path partition, CellVocabulary vocabulary, Path model) {
  /** Partitions into {@code dir/partition} and saves the model to {@code dir/model}. */
  public static UntrainedScoringModel create(SparkSession spark, Path dir) {
    Path partition = dir.resolve("partition");
    PartitionJob.run(spark, PartitionOptions.parse(Map.of("output", partition.toString(), "sample-size", "20000",
        "tmin", "20", "tmax", "2000,400")));
    CellVocabulary vocabulary = CellTables.read(spark, partition.toString());
    Path model = dir.resolve("model");
    try (GeoModel m = GeoModel.create(ModelConfig.preset("micro", ClassHierarchy.fromVocabulary(vocabulary)), Device.cpu(), 5)) {
      m.save(model);
    }
    return new UntrainedScoringModel(partition, vocabulary, model);
  }
}
