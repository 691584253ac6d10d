package org.geodecoder.jobs.train;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.ingest.IngestJob;
import org.geodecoder.jobs.partition.PartitionJob;
import org.geodecoder.jobs.synth.SynthJob;

/**
 * A small synthetic training set made by the real jobs: synth (64 px images) → ingest (shards
 * with an author-disjoint validation split) → partition (three hierarchies). Paths are local.
 */
record TrainFixture(String shards, String labels, String cells) {

  static TrainFixture build(SparkSession spark, Path dir, int count, long seed) {
    new SynthJob().prepare(Map.of("output", dir.resolve("synth").toString(), "count", Integer.toString(count),
        "image-size", "64", "seed", Long.toString(seed))).run(spark);
    new IngestJob().prepare(Map.of("manifest", dir.resolve("synth/manifest.csv").toString(),
        "output", dir.resolve("ingest").toString(), "split", "author:0.1")).run(spark);
    new PartitionJob().prepare(Map.of("input", dir.resolve("ingest/shards").toString(),
        "output", dir.resolve("partition").toString(), "tmin", "3", "tmax", "120,50,25")).run(spark);
    return new TrainFixture(dir.resolve("ingest/shards").toString(), dir.resolve("partition/labels.parquet").toString(),
        dir.resolve("partition/cells.parquet").toString());
  }

  /** Train options over this fixture: micro preset, the given output and overrides. */
  Map<String, String> options(Path output, String... keyValues) {
    Map<String, String> o = new HashMap<>();
    o.put("shards", shards);
    o.put("labels", labels);
    o.put("cells", cells);
    o.put("output", output.toString());
    o.put("preset", "micro");
    o.put("batch-size", "8");
    o.put("epochs", "1");
    o.put("val-samples", "16");
    o.put("log-every", "1");
    for (int i = 0; i < keyValues.length; i += 2) {
      o.put(keyValues[i], keyValues[i + 1]);
    }
    return o;
  }

  /** The parameters of a run's final model, flat in parameter order. */
  static float[] finalWeights(Path run) {
    try (org.geodecoder.model.GeoModel m = org.geodecoder.model.GeoModel.load(run.resolve("model"), ai.djl.Device.cpu())) {
      return m.flatParameters();
    }
  }
}
