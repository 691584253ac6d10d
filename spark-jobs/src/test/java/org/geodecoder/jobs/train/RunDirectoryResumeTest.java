package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.jobs.cli.JobFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Resuming runs recorded before a trajectory option existed. */
class RunDirectoryResumeTest {
  @TempDir Path tmp;

  private Path runRecordedWith(String trajectoryJson) throws Exception {
    Path run = tmp.resolve("run");
    Files.createDirectories(run);
    Files.writeString(run.resolve(RunDirectory.CONFIG), "{\"trajectory\":" + trajectoryJson + "}");
    return run;
  }

  private static Map<String, String> trajectory(String precision, String syncPrecision) {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("epochs", "3");
    t.put("precision", precision);
    t.put("sync-precision", syncPrecision);
    return t;
  }

  @Test
  void aRunRecordedBeforeThePrecisionOptionsResumesWithTheirOldValue() throws Exception {
    Path run = runRecordedWith("{\"epochs\":\"3\"}");
    RunDirectory dir = RunDirectory.open(run.toUri().toString(), new Configuration(), false, true, trajectory("fp32", "fp32"));
    assertEquals(run.toAbsolutePath().toString(), dir.root().toUri().getPath()); // resumed in place
  }

  @Test
  void aRunRecordedBeforeThePrecisionOptionsRefusesAnotherValue() throws Exception {
    Path run = runRecordedWith("{\"epochs\":\"3\"}");
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> RunDirectory.open(run.toUri().toString(), new Configuration(), false, true, trajectory("bf16", "fp32")));
    assertTrue(e.getMessage().startsWith("Cannot resume"), e.getMessage());
  }

  @Test
  void aRecordedValueIsNeverReplacedByTheDefault() throws Exception {
    Path run = runRecordedWith("{\"epochs\":\"3\",\"precision\":\"bf16\",\"sync-precision\":\"fp32\"}");
    assertThrows(JobFailedException.class,
        () -> RunDirectory.open(run.toUri().toString(), new Configuration(), false, true, trajectory("fp32", "fp32")));
  }
}
