package org.geodecoder.jobs.scripts;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conf/gpu-discovery.sh with a fake nvidia-smi on PATH (or none), as Spark runs it. */
class GpuDiscoveryScriptTest {
  @TempDir Path tmp;

  private Path fakeNvidiaSmi(String body) throws Exception {
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Path smi = bin.resolve("nvidia-smi");
    // Answers only the exact query the script must make.
    Files.writeString(smi, "#!/bin/sh\n[ \"$*\" = \"--query-gpu=index --format=csv,noheader\" ] || { echo \"bad args: $*\" >&2; exit 3; }\n"
        + body + "\n");
    Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
    return bin;
  }

  private ScriptRunner.Result discover(Path pathDir) throws Exception {
    // Spark executes the script directly (it must be executable and find its interpreter itself).
    return ScriptRunner.run(Map.of("PATH", pathDir.toString()), List.of(ScriptRunner.root().resolve("conf/gpu-discovery.sh").toString()));
  }

  @Test
  void listsTheGpuIndicesNvidiaSmiReports() throws Exception {
    ScriptRunner.Result r = discover(fakeNvidiaSmi("printf '0\\n1\\n'"));
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\"]}\n", r.stdout());
  }

  @Test
  void toleratesSpacesAndBlankLines() throws Exception {
    ScriptRunner.Result r = discover(fakeNvidiaSmi("printf ' 0\\n\\n 1 \\n2\\n3\\n'"));
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("{\"name\":\"gpu\",\"addresses\":[\"0\",\"1\",\"2\",\"3\"]}\n", r.stdout());
  }

  @Test
  void noNvidiaSmiMeansNoAddresses() throws Exception {
    ScriptRunner.Result r = discover(Files.createDirectories(tmp.resolve("empty")));
    assertEquals(0, r.exitCode(), r.stderr());
    assertEquals("{\"name\":\"gpu\",\"addresses\":[]}\n", r.stdout());
  }

  @Test
  void aFailingNvidiaSmiFailsTheScript() throws Exception {
    ScriptRunner.Result r = discover(fakeNvidiaSmi("echo 'NVIDIA-SMI has failed' >&2; exit 9"));
    assertEquals(1, r.exitCode());
    assertEquals("", r.stdout());
    assertTrue(r.stderr().contains("gpu-discovery.sh: nvidia-smi failed"), r.stderr());
  }

  @Test
  void isExecutable() {
    assertTrue(Files.isExecutable(ScriptRunner.root().resolve("conf/gpu-discovery.sh")));
  }
}
