package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.jobs.cli.JobFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --sync-precision shapes the trajectory (bf16 on the wire rounds the summed gradients): a run
 * resumed from checkpoints, by hand or by the nightly job, must use the value it started with.
 */
class SyncPrecisionTrajectoryTest {
  @TempDir Path tmp;

  private TrainOptions options(Path run, boolean resume, String... more) throws Exception {
    for (String d : List.of("shards", "labels", "cells")) {
      Files.createDirectories(tmp.resolve(d));
    }
    Map<String, String> o = new LinkedHashMap<>(Map.of("shards", tmp.resolve("shards").toString(), "labels",
        tmp.resolve("labels").toString(), "cells", tmp.resolve("cells").toString(), "output", run.toString(), "resume",
        Boolean.toString(resume)));
    for (int i = 0; i < more.length; i += 2) {
      o.put(more[i], more[i + 1]);
    }
    return TrainOptions.parse(o);
  }

  @Test
  void aResumeWithAnotherWirePrecisionIsRefused() throws Exception {
    Configuration conf = new Configuration();
    Path runPath = tmp.resolve("run");
    TrainOptions first = options(runPath, false);
    assertEquals("fp32", first.trajectory().get("sync-precision"));
    RunDirectory run = RunDirectory.open(first.output(), conf, false, false, first.trajectory());
    run.writeJson(RunDirectory.CONFIG, Map.of("trajectory", first.trajectory())); // what TrainJob records at the start

    TrainOptions same = options(runPath, true);
    assertDoesNotThrow(() -> RunDirectory.open(same.output(), conf, false, true, same.trajectory()), "the same precision resumes");

    TrainOptions bf16 = options(runPath, true, "sync-precision", "bf16");
    assertEquals("bf16", bf16.trajectory().get("sync-precision"));
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> RunDirectory.open(bf16.output(), conf, false, true, bf16.trajectory()));
    assertTrue(e.getMessage().startsWith("Cannot resume"), e.getMessage());
    assertTrue(e.getMessage().contains("sync-precision=fp32") && e.getMessage().contains("sync-precision=bf16"), e.getMessage());
  }
}
