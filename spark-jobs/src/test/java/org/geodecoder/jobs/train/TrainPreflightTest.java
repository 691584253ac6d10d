package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.jobs.cli.JobFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 19, item 3 on --resume: changed inputs are refused, and a run that trained nothing publishes nothing. */
class TrainPreflightTest {
  @TempDir Path tmp;

  private TrainOptions options(Path run, boolean resume) throws Exception {
    for (String d : List.of("shards", "labels", "cells")) {
      Files.createDirectories(tmp.resolve(d));
      if (!Files.exists(tmp.resolve(d + "/part-0.parquet"))) {
        Files.writeString(tmp.resolve(d + "/part-0.parquet"), d);
      }
    }
    return TrainOptions.parse(Map.of("shards", tmp.resolve("shards").toString(), "labels", tmp.resolve("labels").toString(),
        "cells", tmp.resolve("cells").toString(), "output", run.toString(), "resume", Boolean.toString(resume)));
  }

  @Test
  void aResumedRunWhoseLabelsChangedIsRefusedNamingThem() throws Exception {
    Configuration conf = new Configuration();
    Path runPath = tmp.resolve("run");
    TrainOptions first = options(runPath, false);
    RunDirectory run = RunDirectory.open(first.output(), conf, false, false, first.trajectory(), TrainPreflight.inputPaths(first));
    run.write(TrainPreflight.INPUTS, new com.fasterxml.jackson.databind.ObjectMapper()
        .writeValueAsString(TrainPreflight.sameInputsAsBefore(conf, first, run)));

    TrainOptions again = options(runPath, true);
    RunDirectory resumed = RunDirectory.open(again.output(), conf, false, true, again.trajectory(), TrainPreflight.inputPaths(again));
    TrainPreflight.sameInputsAsBefore(conf, again, resumed); // unchanged: accepted

    Files.writeString(tmp.resolve("labels/part-0.parquet"), "labels fixed in place"); // other size
    JobFailedException e = assertThrows(JobFailedException.class, () -> TrainPreflight.sameInputsAsBefore(conf, again, resumed));
    assertEquals("Cannot resume file:" + runPath + ": --labels " + tmp.resolve("labels") + " has changed since the run started"
        + " (files added, removed or rewritten); the checkpoints were trained on the old data. Start afresh with"
        + " --overwrite true (or another --output)", e.getMessage());
  }

  @Test
  void noModelIsPublishedFromARunThatTrainedNoSample() throws Exception {
    Configuration conf = new Configuration();
    TrainOptions o = options(tmp.resolve("run0"), false);
    RunDirectory run = RunDirectory.open(o.output(), conf, false, false, o.trajectory(), TrainPreflight.inputPaths(o));
    run.appendMetrics(List.of("{\"type\":\"step\",\"step\":1,\"samples\":0}",
        "{\"type\":\"epoch\",\"epoch\":1,\"step\":25,\"samples\":200,\"bad_samples\":{\"no_labels\":200},\"validation\":{}}"));
    assertEquals(0, TrainPreflight.samplesTrained(run));
    JobFailedException e = assertThrows(JobFailedException.class, () -> TrainPreflight.requireSamplesTrained(run));
    assertTrue(e.getMessage().startsWith("No sample was used for training in file:" + tmp.resolve("run0")), e.getMessage());

    run.appendMetrics(List.of(
        "{\"type\":\"epoch\",\"epoch\":2,\"step\":50,\"samples\":200,\"bad_samples\":{\"no_labels\":3},\"validation\":{}}"));
    assertEquals(197, TrainPreflight.samplesTrained(run));
    TrainPreflight.requireSamplesTrained(run);
  }
}
