package org.geodecoder.jobs.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.eval.report.TrainingReport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a training run's {@code report.md}, {@code report.html} and charts (loss, loss per
 * hierarchy, learning rate, samples/s, validation accuracy against the majority baseline, median
 * km: {@link TrainingReport}) from its {@code metrics.jsonl} and
 * {@code train-config.json}, into the run directory (any Hadoop URI). A report that cannot be
 * written is logged, never a failed run: the model is already published when this runs.
 */
public final class TrainReport {
  private static final Logger LOG = LoggerFactory.getLogger(TrainReport.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainReport() {}

  /** Writes the report of the run in {@code runUri}; logs and returns on any failure. */
  public static void write(String runUri, Configuration conf) {
    java.nio.file.Path local = null;
    try {
      Path root = new Path(runUri);
      FileSystem fs = root.getFileSystem(conf);
      List<TrainingReport.Step> steps = new ArrayList<>();
      List<TrainingReport.Epoch> epochs = new ArrayList<>();
      parseMetrics(read(fs, new Path(root, RunDirectory.METRICS)), steps, epochs);
      Map<String, String> facts = facts(fs, root);
      local = Files.createTempDirectory("geodecoder-train-report-");
      for (java.nio.file.Path f : TrainingReport.write(local, facts, steps, epochs)) {
        fs.copyFromLocalFile(true, true, new Path(f.toUri()), new Path(root, f.getFileName().toString()));
      }
      LOG.info("train: report in {}", new Path(root, "report.html"));
    } catch (IOException | RuntimeException e) {
      LOG.warn("train: could not write the training report in {}: {}", runUri, e.toString());
    } finally {
      if (local != null) {
        try (var files = Files.walk(local)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          LOG.debug("Cannot delete {}", local, e);
        }
      }
    }
  }

  /** The step and epoch lines of metrics.jsonl (other lines are skipped). */
  static void parseMetrics(String text, List<TrainingReport.Step> steps, List<TrainingReport.Epoch> epochs)
      throws IOException {
    for (String line : text.split("\n")) {
      if (line.isBlank()) {
        continue;
      }
      JsonNode n = JSON.readTree(line);
      String type = n.path("type").asText();
      if ("step".equals(type)) {
        Map<String, Double> terms = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = n.fields();
        while (fields.hasNext()) {
          Map.Entry<String, JsonNode> e = fields.next();
          if (e.getKey().startsWith("loss_")) { // loss_h1 … loss_hH, loss_scene
            terms.put(e.getKey().substring("loss_".length()), number(e.getValue()));
          }
        }
        steps.add(new TrainingReport.Step(n.path("epoch").asInt(), n.path("step").asLong(), number(n.path("loss")),
            number(n.path("lr")), terms, number(n.path("samples_per_s"))));
      } else if ("epoch".equals(type)) {
        Map<String, Double> validation = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = n.path("validation").fields();
        while (it.hasNext()) {
          Map.Entry<String, JsonNode> e = it.next();
          validation.put(e.getKey(), number(e.getValue()));
        }
        epochs.add(new TrainingReport.Epoch(n.path("epoch").asInt(), n.path("step").asLong(),
            number(n.path("seconds")), validation));
      }
    }
  }

  private static double number(JsonNode n) {
    return n.isNumber() ? n.asDouble() : Double.NaN; // NaN is written as null or a string
  }

  private static Map<String, String> facts(FileSystem fs, Path root) throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("Run directory", root.toString());
    Path cfg = new Path(root, RunDirectory.CONFIG);
    if (fs.exists(cfg)) {
      JsonNode options = JSON.readTree(read(fs, cfg)).path("options");
      for (String k : new String[] {"shards", "cells", "preset", "init", "epochs", "batch-size", "lr", "milestones",
          "replicas", "seed"}) {
        if (options.hasNonNull(k) && !options.path(k).asText().isEmpty()) {
          facts.put(k, options.path(k).asText());
        }
      }
    }
    return facts;
  }

  private static String read(FileSystem fs, Path p) throws IOException {
    try (InputStream in = fs.open(p)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
