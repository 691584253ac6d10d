package org.geodecoder.jobs.train;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.PartitionFingerprint;

/**
 * Checks of the train job's inputs against each other, before any work on images, and the last
 * check before a model is published:
 * <ul>
 *   <li>labels and cells come from the same partition run ({@link PartitionFingerprint});
 *   <li>a resumed run's inputs are the ones it started with ({@value #INPUTS}: a fingerprint of
 *       every input's file listing — names, sizes, modification times);
 *   <li>enough shard rows have labels (labels ⋈ shards on id, counted on the id columns only);
 *   <li>a run in which no sample was trained never publishes a model.
 * </ul>
 */
final class TrainPreflight {
  static final String INPUTS = "train-inputs.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainPreflight() {}

  /** The paths {@code --output} may not overlap. */
  static Map<String, String> inputPaths(TrainOptions o) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("--shards", o.shards());
    m.put("--labels", o.labels());
    m.put("--cells", o.cells());
    m.put("--init", o.init());
    return m;
  }

  /** Runs every input check; a run directory this run created is dropped again when one fails. */
  static void check(SparkSession spark, TrainOptions o, RunDirectory run) {
    try {
      Configuration conf = spark.sparkContext().hadoopConfiguration();
      PartitionFingerprint.requireSamePartition(conf, "--labels", o.labels(), "--cells", o.cells());
      Map<String, String> inputs = sameInputsAsBefore(conf, o, run);
      coverage(spark, o);
      if (!run.has(INPUTS)) {
        run.write(INPUTS, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(inputs) + "\n");
      }
    } catch (IOException e) {
      run.abandon();
      throw new JobFailedException("Cannot write " + INPUTS + " into " + run.uri() + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      run.abandon();
      throw e;
    }
  }

  /** On resume: refuses inputs that changed since the run started; returns their fingerprints now. */
  static Map<String, String> sameInputsAsBefore(Configuration conf, TrainOptions o, RunDirectory run) {
    Map<String, String> now = new LinkedHashMap<>();
    inputPaths(o).forEach((option, uri) -> {
      if (uri != null && !uri.isEmpty()) {
        now.put(option, listingFingerprint(conf, uri, option));
      }
    });
    if (!run.has(INPUTS)) {
      return now;
    }
    Map<?, ?> before;
    try {
      before = JSON.readValue(run.read(INPUTS), Map.class);
    } catch (IOException e) {
      throw new JobFailedException("Cannot read " + run.uri() + "/" + INPUTS + ": " + e.getMessage(), e);
    }
    List<String> changed = new ArrayList<>();
    for (Map.Entry<String, String> e : now.entrySet()) {
      if (!e.getValue().equals(before.get(e.getKey()))) {
        changed.add(e.getKey() + " " + inputPaths(o).get(e.getKey()));
      }
    }
    if (!changed.isEmpty()) {
      throw new JobFailedException("Cannot resume " + run.uri() + ": " + String.join(" and ", changed)
          + (changed.size() == 1 ? " has" : " have") + " changed since the run started (files added, removed or rewritten);"
          + " the checkpoints were trained on the old data. Start afresh with --overwrite true (or another --output)");
    }
    return now;
  }

  /** Labels ⋈ shards on id: fails when more shard rows than --max-bad-fraction allows have no label row. */
  static void coverage(SparkSession spark, TrainOptions o) {
    Dataset<Row> shards = InputTables.read(spark, o.shards(), "parquet", "--shards");
    Dataset<Row> labels = InputTables.read(spark, o.labels(), "parquet", "--labels");
    if (!Arrays.asList(shards.columns()).contains("id") || !Arrays.asList(labels.columns()).contains("id")) {
      return; // TrainInputs names the missing column
    }
    spark.sparkContext().setJobDescription("train: check that the shards have labels");
    Dataset<Row> ids = shards.select(col("id").cast("string").as("id"));
    long total = ids.count();
    long matched = ids.join(labels.select(col("id").cast("string").as("lid")), col("id").equalTo(col("lid")), "left_semi")
        .count();
    long allowed = (long) Math.floor(o.maxBadFraction() * total);
    if (total > 0 && total - matched > allowed) {
      throw new JobFailedException(String.format(java.util.Locale.ROOT,
          "Only %d of the %d rows of --shards %s have a row in --labels %s (%.2f%%); %d have none, more than"
              + " --max-bad-fraction %s allows (%d). Pass the labels.parquet that partition computed from these shards",
          matched, total, o.shards(), o.labels(), 100.0 * matched / total, total - matched, o.maxBadFraction(), allowed));
    }
  }

  /** Samples trained over the whole run (every epoch line of metrics.jsonl: samples minus unusable ones). */
  static long samplesTrained(RunDirectory run) {
    if (!run.has(RunDirectory.METRICS)) {
      return 0;
    }
    long trained = 0;
    for (String line : run.read(RunDirectory.METRICS).split("\n")) {
      try {
        JsonNode n = line.isBlank() ? null : JSON.readTree(line);
        if (n == null || !"epoch".equals(n.path("type").asText())) {
          continue;
        }
        long bad = 0;
        for (Iterator<JsonNode> it = n.path("bad_samples").elements(); it.hasNext();) {
          bad += it.next().asLong();
        }
        trained += n.path("samples").asLong() - bad;
      } catch (IOException e) {
        // an unreadable line (cut by a crash) counts nothing
      }
    }
    return trained;
  }

  /** Refuses to publish a model no sample was trained into. */
  static void requireSamplesTrained(RunDirectory run) {
    if (samplesTrained(run) <= 0) {
      throw new JobFailedException("No sample was used for training in " + run.uri() + " (every epoch in "
          + RunDirectory.METRICS + " trained 0 samples), so no model is published. Check that --labels match --shards,"
          + " then start afresh with --overwrite true");
    }
  }

  /** SHA-256 over the names, sizes and modification times of every file under a path. */
  static String listingFingerprint(Configuration conf, String uri, String option) {
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf);
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      List<String> lines = new ArrayList<>();
      String base = fs.makeQualified(p).toUri().getPath();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(p, true);
      while (it.hasNext()) {
        LocatedFileStatus f = it.next();
        String rel = f.getPath().toUri().getPath().substring(Math.min(base.length(), f.getPath().toUri().getPath().length()));
        if (!rel.endsWith(".crc")) {
          lines.add(rel + "," + f.getLen() + "," + f.getModificationTime());
        }
      }
      lines.sort(null);
      for (String l : lines) {
        sha.update((l + "\n").getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (java.io.FileNotFoundException e) {
      throw new JobFailedException(option + " " + uri + " does not exist", e);
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new JobFailedException("Cannot list " + option + " " + uri + ": " + e.getMessage(), e);
    }
  }
}
