package org.geodecoder.jobs.pipeline;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobCatalog;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.OutputDir;
import org.geodecoder.jobs.io.PhaseTimer;
import org.geodecoder.jobs.pipeline.PipelineOptions.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole chain on one Spark session, as the real jobs run it: synth (a photo-like dataset and
 * a uniform GWS15k-like one) → ingest → partition → train → score (the author-disjoint held-out
 * split and the uniform set) → evaluate, beside two trivial baselines fitted on the training
 * split. Prints the accuracy table and where the report and plots are; writes
 * {@code pipeline-summary.json}. Each stage is the registered job with its usual options (so
 * its {@code spark.geodecoder.<job>.*} settings apply), and its output directory is the input
 * of the next, exactly as when the stages are run one by one.
 */
public final class PipelineJob extends AbstractJob {
  public static final String NAME = PipelineOptions.NAME;
  private static final Logger LOG = LoggerFactory.getLogger(PipelineJob.class);
  static final String HELDOUT = "heldout";
  static final String UNIFORM = "uniform";
  static final String SUMMARY = "pipeline-summary.json";

  public PipelineJob() {
    super(NAME, "Demo of the whole chain on synthetic data (synth → ingest → partition → train → score → evaluate) with baselines",
        PipelineOptions.SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    PipelineOptions o = PipelineOptions.parse(options);
    return spark -> run(spark, o, JobCatalog.registered());
  }

  /** What a run produced. */
  public record Result(String output, Map<String, Double> stageSeconds, double totalSeconds, AccuracyTableView table,
      boolean modelBeatsBaselines, String report) {}

  /** The table's text and rows, for callers outside this package. */
  public record AccuracyTableView(String text, List<Map<String, Object>> rows, List<String> comparisons) {}

  public static Result run(SparkSession spark, PipelineOptions o, JobCatalog catalog) {
    return new PipelineJob.Run(spark, o, catalog.withJobGroup("geodecoder-pipeline")).run();
  }

  /** One run: the stage directories under --output and the stages from --from on. */
  private static final class Run {
    private final SparkSession spark;
    private final PipelineOptions o;
    private final JobCatalog jobs;
    private final Configuration hadoop;
    private final OutputDir out;
    private final PhaseTimer timer = new PhaseTimer();

    Run(SparkSession spark, PipelineOptions o, JobCatalog jobs) {
      this.spark = spark;
      this.o = o;
      this.jobs = jobs;
      this.hadoop = spark.sparkContext().hadoopConfiguration();
      this.out = OutputDir.open(spark, o.output(), "--output");
    }

    private String dir(String name) {
      return out.child(name);
    }

    Result run() {
      long t0 = System.nanoTime();
      Stage from = Stage.of(o.from());
      LOG.info("pipeline: stages {} from '{}' into {}; options {}", Stage.ids(), from.id(), out.root(), o.resolved());
      requireOutputsBefore(from);
      for (Stage s : Stage.values()) {
        if (s.ordinal() < from.ordinal()) {
          continue;
        }
        LOG.info("pipeline: [{}/{}] {} ...", s.ordinal() + 1, Stage.values().length, s.id());
        switch (s) {
          case SYNTH -> synth();
          case INGEST -> ingest();
          case PARTITION -> partition();
          case TRAIN -> train();
          case SCORE -> score();
          case EVALUATE -> evaluate();
        }
        double seconds = timer.end(s.id());
        LOG.info("pipeline: [{}/{}] {} done in {} s", s.ordinal() + 1, Stage.values().length, s.id(), seconds);
      }
      double total = (System.nanoTime() - t0) / 1e9;
      return finish(total);
    }

    /** The outputs a stage reads, by the stage that writes them. */
    private Map<Stage, List<String>> outputsOf() {
      Map<Stage, List<String>> m = new LinkedHashMap<>();
      m.put(Stage.SYNTH, List.of(dir("synth/manifest.csv"), dir("synth-uniform/manifest.csv")));
      m.put(Stage.INGEST, List.of(dir("ingest/shards"), dir("ingest-uniform/shards")));
      m.put(Stage.PARTITION, List.of(dir("partition/cells.parquet"), dir("partition/labels.parquet")));
      m.put(Stage.TRAIN, List.of(dir("train/model")));
      m.put(Stage.SCORE, List.of(dir("score/" + HELDOUT + "/predictions"), dir("score/" + UNIFORM + "/predictions")));
      return m;
    }

    private void requireOutputsBefore(Stage from) {
      for (Map.Entry<Stage, List<String>> e : outputsOf().entrySet()) {
        if (e.getKey().ordinal() >= from.ordinal()) {
          break;
        }
        for (String p : e.getValue()) {
          if (!exists(p)) {
            throw new JobFailedException("--from " + from.id() + " reuses the output of the " + e.getKey().id() + " stage, but " + p
                + " does not exist; run from an earlier stage (e.g. --from " + e.getKey().id() + ")");
          }
        }
      }
    }

    private boolean exists(String p) {
      try {
        Path path = new Path(p);
        return path.getFileSystem(hadoop).exists(path);
      } catch (IOException e) {
        throw new JobFailedException("Cannot check " + p + ": " + e.getMessage(), e);
      }
    }

    private void runJob(String job, String what, Map<String, String> options) {
      Map<String, String> all = new LinkedHashMap<>(options);
      all.put("overwrite", Boolean.toString(o.overwrite()));
      jobs.run(spark, job, all, "pipeline: " + what);
    }

    private void synth() {
      runJob("synth", "synth (photo-like)", Map.of("output", dir("synth"), "count", Long.toString(o.count()),
          "distribution", "photo", "image-size", Integer.toString(o.imageSize()), "seed", Long.toString(o.seed()), "layout", "dir"));
      // Disjoint ids: the uniform set's indices follow the photo set's.
      runJob("synth", "synth (uniform)", Map.of("output", dir("synth-uniform"), "count", Long.toString(o.uniformCount()),
          "distribution", "uniform", "image-size", Integer.toString(o.imageSize()), "seed", Long.toString(o.seed() + 1),
          "layout", "dir", "first-index", Long.toString(o.count())));
    }

    private void ingest() {
      runJob("ingest", "ingest (photo-like)", Map.of("manifest", dir("synth/manifest.csv"), "output", dir("ingest"),
          "split", "author:" + o.valFraction()));
      runJob("ingest", "ingest (uniform)", Map.of("manifest", dir("synth-uniform/manifest.csv"), "output", dir("ingest-uniform"),
          "split", "none"));
    }

    private void partition() {
      // Cells fitted on the training split alone, so that the held-out images do not shape the
      // classes; every image, held-out ones included, gets labels (for per-hierarchy accuracy).
      runJob("partition", "partition", Map.of("input", dir("ingest/shards"), "output", dir("partition"), "tmin", o.tmin(),
          "tmax", o.tmax(), "fit-split", "train"));
    }

    private void train() {
      Map<String, String> t = new LinkedHashMap<>();
      t.put("shards", dir("ingest/shards"));
      t.put("labels", dir("partition/labels.parquet"));
      t.put("cells", dir("partition/cells.parquet"));
      t.put("output", dir("train"));
      t.put("preset", o.preset());
      t.put("epochs", o.epochs());
      t.put("batch-size", o.batchSize());
      t.put("lr", o.lr());
      t.put("milestones", o.milestones());
      t.put("replicas", o.replicas());
      t.put("seed", Long.toString(o.seed()));
      t.put("val-samples", Long.toString(Math.max(1, o.count())));
      t.put("precision", o.precision());
      runJob("train", "train", t);
    }

    private void score() {
      runJob("score", "score the held-out split", Map.of("model", dir("train/model"), "input", dir("ingest/shards"),
          "split", "val", "cells", dir("partition/cells.parquet"), "output", dir("score/" + HELDOUT), "precision",
          o.precision()));
      runJob("score", "score the uniform set", Map.of("model", dir("train/model"), "input", dir("ingest-uniform/shards"),
          "cells", dir("partition/cells.parquet"), "output", dir("score/" + UNIFORM), "precision", o.precision()));
    }

    private List<AccuracyTable.Entry> entries() {
      List<AccuracyTable.Entry> out = new ArrayList<>();
      for (String split : List.of(HELDOUT, UNIFORM)) {
        out.add(new AccuracyTable.Entry(split, AccuracyTable.MODEL, split));
        for (String b : List.of(Baselines.MEAN_LOCATION, Baselines.MOST_FREQUENT_CELL)) {
          out.add(new AccuracyTable.Entry(split, "baseline: " + b, split + "-" + b));
        }
      }
      return out;
    }

    private void evaluate() {
      Baselines baselines = Baselines.fit(spark, dir("ingest/shards"), dir("partition/labels.parquet"), dir("partition/cells.parquet"));
      baselines.points().forEach(p -> LOG.info("pipeline: baseline {} predicts ({}, {}): {}", p.name(),
          String.format(Locale.ROOT, "%.4f", p.latDegrees()), String.format(Locale.ROOT, "%.4f", p.lonDegrees()), p.why()));
      OutputDir out = OutputDir.prepare(spark, dir("baselines"), true, "--output");
      baselines.writePredictions(spark.read().parquet(dir("ingest/shards")).filter("split = 'val'"), out.child(HELDOUT));
      baselines.writePredictions(spark.read().parquet(dir("ingest-uniform/shards")), out.child(UNIFORM));
      out.commit("pipeline");
      List<String> sets = new ArrayList<>();
      for (AccuracyTable.Entry e : entries()) {
        String uri = e.predictor().equals(AccuracyTable.MODEL) ? dir("score/" + e.split() + "/predictions")
            : dir("baselines/" + e.split() + "/" + e.dataset().substring(e.split().length() + 1));
        sets.add(e.dataset() + "=" + uri);
      }
      runJob("evaluate", "evaluate", Map.of("predictions", String.join(",", sets), "labels", dir("partition/labels.parquet"),
          "output", dir("evaluate")));
    }

    private Result finish(double totalSeconds) {
      AccuracyTable table = AccuracyTable.read(hadoop, dir("evaluate/metrics.json"), entries());
      List<AccuracyTable.Comparison> comparisons = table.comparisons();
      boolean beats = comparisons.stream().allMatch(AccuracyTable.Comparison::modelWins);
      List<String> verdicts = comparisons.stream().map(c -> String.format(Locale.ROOT, "%-8s the model %s %s (%s)", c.split(),
          c.modelWins() ? "beats" : "does NOT beat", c.baseline().replace("baseline: ", ""), c.detail())).toList();
      String report = dir("evaluate/report.md");
      String tableText = table.format();
      List<Map<String, Object>> rows = table.lines().stream().map(AccuracyTable.Line::toMap).toList();
      StringBuilder text = new StringBuilder();
      text.append(String.format(Locale.ROOT, "%npipeline: finished in %.1f s (%s)%n%n", totalSeconds, stageTimes()));
      text.append("Accuracy (share of images within each distance of the true location)\n");
      text.append(tableText).append('\n');
      verdicts.forEach(v -> text.append(v).append('\n'));
      text.append('\n').append("Report: ").append(report).append('\n');
      text.append("Training report: ").append(dir("train/report.md"))
          .append(" (loss per step and per hierarchy, learning rate, samples/s, validation per epoch)\n");
      text.append("Plots:  ").append(dir("evaluate")).append("/*.png (accuracy curve, error histogram, error maps)\n");
      text.append("Stages: ").append(out.root()).append("/{synth,ingest,partition,train,score,evaluate} (each also runnable alone)\n");
      // The table is the command's answer: standard output, whatever the log level.
      System.out.print(text);
      System.out.flush();

      Map<String, Object> summary = new LinkedHashMap<>();
      summary.put("job", NAME);
      summary.put("output", out.root().toString());
      summary.put("from", o.from());
      summary.put("total_seconds", Math.round(totalSeconds * 100) / 100.0);
      summary.put("stage_seconds", timer.seconds());
      summary.put("table", rows);
      summary.put("model_beats_baselines", beats);
      summary.put("comparisons", verdicts);
      summary.put("report", report);
      summary.put("train_report", dir("train/report.md"));
      summary.put("options", o.resolved());
      out.writeJson(SUMMARY, summary);
      if (!beats) {
        LOG.warn("pipeline: the model does not beat every baseline; see {}", report);
      }
      return new Result(out.root().toString(), timer.seconds(), totalSeconds,
          new AccuracyTableView(tableText, rows, verdicts),
          beats, report);
    }

    private String stageTimes() {
      List<String> parts = new ArrayList<>();
      timer.seconds().forEach((k, v) -> parts.add(k + " " + String.format(Locale.ROOT, "%.0f s", v)));
      return String.join(", ", parts);
    }
  }
}
