package org.geodecoder.jobs.scripts;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs the project's shell scripts as a user would, with a controlled environment. */
final class ScriptRunner {
  /** Exit code, stdout and stderr of one run. */
  record Result(int exitCode, String stdout, String stderr) {}

  private ScriptRunner() {}

  static Path root() {
    String r = System.getProperty("geodecoder.root");
    Path p = r != null ? Path.of(r) : Path.of("..").toAbsolutePath().normalize();
    if (!Files.isRegularFile(p.resolve("submit-scripts/common.sh"))) {
      throw new IllegalStateException("project root not found (geodecoder.root=" + r + ")");
    }
    return p;
  }

  /**
   * @param env the whole environment (nothing is inherited but what is given)
   */
  static Result run(Map<String, String> env, List<String> command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(command).directory(root().toFile());
    pb.environment().clear();
    pb.environment().putAll(env);
    Path out = Files.createTempFile("script", ".out");
    Path err = Files.createTempFile("script", ".err");
    try {
      Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException("timed out: " + command);
      }
      return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  static List<String> bash(String script, String... args) {
    List<String> c = new ArrayList<>(List.of("/bin/bash", root().resolve(script).toString()));
    c.addAll(List.of(args));
    return c;
  }
}
