package org.geodecoder.jobs.pipeline;

import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;

/**
 * Options of the {@code pipeline} job. The defaults are the laptop demo: a few minutes on two
 * CPU cores. Every other option of a stage is set with its own key, e.g.
 * {@code --conf spark.geodecoder.train.weight-decay=0}; the options here win over those.
 *
 * @param from the first stage to run; the earlier ones' outputs under {@code output} are reused
 */
public record PipelineOptions(String output, String from, long count, long uniformCount, int imageSize, long seed,
    String valFraction, String tmin, String tmax, String preset, String epochs, String batchSize, String lr,
    String milestones, String replicas, boolean overwrite, Map<String, String> resolved) {

  static final String NAME = "pipeline";

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.withDefault("output", "demo-output/pipeline", "directory of every stage's output (any Hadoop URI)"),
      OptionSpec.withDefault("from", Stage.SYNTH.id(), "first stage to run: " + Stage.ids() + "; earlier stages' outputs under --output are reused"),
      OptionSpec.withDefault("count", 4000, "synthetic photos (photo-sharing distribution) for training and the held-out split"),
      OptionSpec.withDefault("uniform-count", 500, "synthetic photos spread uniformly over land (GWS15k-like), scored only"),
      OptionSpec.withDefault("image-size", 64, "synthetic image side in pixels"),
      OptionSpec.withDefault("seed", 42, "seeds the data, the weights and the data order"),
      OptionSpec.withDefault("val-fraction", 0.1, "share of photographers whose photos form the held-out split (author-disjoint)"),
      OptionSpec.withDefault("tmin", 5, "partition: cells with at most this many images are dropped"),
      OptionSpec.withDefault("tmax", "400,150,60", "partition: one hierarchy per value; cells above it are split"),
      OptionSpec.withDefault("preset", "micro", "model preset (micro trains on a CPU in minutes)"),
      OptionSpec.withDefault("epochs", 8, "training epochs"),
      OptionSpec.withDefault("batch-size", 32, "global training batch"),
      OptionSpec.withDefault("lr", 0.02, "SGD learning rate"),
      OptionSpec.withDefault("milestones", "6,7", "epochs at which the learning rate halves"),
      OptionSpec.withDefault("replicas", "auto", "training replicas (auto: the cluster's task slots, 1 in local mode)"),
      OptionSpec.withDefault("overwrite", true, "replace the outputs of the stages that run (only their own directories under --output)"),
      OptionSpec.withDefault("precision", "fp32", "number format of training and scoring: fp32 or bf16 (mixed precision, see the train job)"));

  public static PipelineOptions parse(Map<String, String> values) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, values);
    String from = r.choice("from", Stage.ids().toArray(String[]::new));
    double val = r.doubleValue("val-fraction", 0.001, 0.9);
    // Stage options are checked again, with the stage's own message, when the stage prepares.
    r.integer("epochs", 1, 10_000);
    r.integer("batch-size", 1, 1 << 20);
    r.doubleValue("lr", 0, 100);
    r.choice("precision", "fp32", "bf16");
    return new PipelineOptions(r.requiredString("output"), from, r.longValue("count", 10), r.longValue("uniform-count", 1),
        r.integer("image-size", 16, 4096), r.longValue("seed", Long.MIN_VALUE), Double.toString(val),
        r.requiredString("tmin"), r.requiredString("tmax"), r.requiredString("preset"), r.requiredString("epochs"),
        r.requiredString("batch-size"), r.requiredString("lr"), r.string("milestones"), r.requiredString("replicas"),
        r.bool("overwrite"), r.resolved());
  }

  /** Number format of the train and score stages (--precision). */
  String precision() {
    return resolved.getOrDefault("precision", "fp32");
  }

  /** The stages in order; each writes the directory of its id under --output (score: two). */
  enum Stage {
    SYNTH("synth"), INGEST("ingest"), PARTITION("partition"), TRAIN("train"), SCORE("score"), EVALUATE("evaluate");

    private final String id;

    Stage(String id) {
      this.id = id;
    }

    String id() {
      return id;
    }

    static List<String> ids() {
      return java.util.Arrays.stream(values()).map(Stage::id).toList();
    }

    static Stage of(String id) {
      return java.util.Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst().orElseThrow();
    }
  }
}
