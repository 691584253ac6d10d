package org.geodecoder.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkException;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.LockHeldException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, items 7, 9 (option parsing) and 10: each user error ends in one line on stderr naming
 * the file/option/value, with exit code 2 (usage or input option), 1 (job failed) or 3 (another
 * run holds the lock); Ctrl-C says what was kept.
 */
class CliErrorsTest {
  @TempDir Path tmp;

  /** Exit code and the stderr lines the launcher printed itself (they start with "geodecoder"). */
  record Outcome(int code, List<String> lines) {
    String last() {
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
  }

  static Outcome run(String... args) {
    PrintStream old = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
    int code;
    try {
      code = GeoDecoderCli.run(args);
    } finally {
      System.setErr(old);
    }
    List<String> lines = new ArrayList<>(Arrays.asList(buf.toString(StandardCharsets.UTF_8).split("\n")));
    lines.removeIf(l -> !l.startsWith("geodecoder")); // log lines, where log4j writes to this stderr
    return new Outcome(code, lines);
  }

  @Test
  void anOptionFollowedByAnotherOptionNamesTheMissingValue() {
    Outcome o = run("ingest", "--manifest", "--output", "X");
    assertEquals(2, o.code());
    assertEquals(List.of("geodecoder: error: Option --manifest needs a value, but is followed by the option --output"), o.lines());
  }

  @Test
  void anOptionGivenAlsoAsConfWithAnotherValueIsRefused() {
    Outcome o = run("synth", "--count", "5", "--conf", "spark.geodecoder.synth.count=9");
    assertEquals(2, o.code());
    assertEquals("geodecoder synth: error: --count 5 conflicts with --conf spark.geodecoder.synth.count=9; give the option once",
        o.lines().get(0));
  }

  @Test
  void inputAndOutputErrorsAreOneLineBeforeAnyWork() throws Exception {
    Path manifest = Files.write(tmp.resolve("manifest.csv"), List.of("IMG_ID,AUTHOR,LAT,LON", "a.jpg,x,1.0,2.0"));
    Files.createDirectories(tmp.resolve("images"));
    Outcome proc = run("ingest", "--master", "local[1]", "--manifest", manifest.toString(), "--output", "/proc/x");
    assertEquals(2, proc.code());
    assertEquals(1, proc.lines().size(), proc.lines().toString());
    assertTrue(proc.last().startsWith("geodecoder ingest: error: Cannot write to --output /proc/x (checked before any work"),
        proc.last());

    Outcome parquet = run("ingest", "--master", "local[1]", "--manifest", manifest.toString(), "--format", "parquet",
        "--output", tmp.resolve("out").toString());
    assertEquals(2, parquet.code());
    assertEquals(List.of("geodecoder ingest: error: --manifest " + manifest + " is not a Parquet file (it does not start with"
        + " Parquet's magic bytes PAR1); if it is a CSV, pass --format csv or auto"), parquet.lines());
  }

  @Test
  void damagedModelFilesAreNamedWithWhatIsWrong() throws Exception {
    Path model = tmp.resolve("model");
    Files.createDirectories(model);
    byte[] header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}".getBytes(StandardCharsets.UTF_8);
    ByteBuffer full = ByteBuffer.allocate(8 + header.length + 16).order(ByteOrder.LITTLE_ENDIAN);
    full.putLong(header.length).put(header);
    Path params = model.resolve("parameters.safetensors");
    Files.write(params, Arrays.copyOf(full.array(), 8 + header.length + 10)); // 6 bytes short
    Files.writeString(model.resolve("model.json"), "garbage {");
    String[] score = {"score", "--master", "local[1]", "--input", tmp.resolve("images").toString(), "--model", model.toString(),
        "--output", tmp.resolve("scored").toString()};
    Files.createDirectories(tmp.resolve("images"));
    Outcome truncated = run(score);
    assertEquals(1, truncated.code());
    assertEquals(List.of("geodecoder score: failed: file:" + params + " (--model) is truncated: expected " + (8 + header.length + 16)
        + " bytes (8 + " + header.length + " header + 16 tensor data), found " + (8 + header.length + 10)), truncated.lines());

    Files.write(params, full.array());
    Outcome garbage = run(score);
    assertEquals(1, garbage.code());
    assertEquals(1, garbage.lines().size(), garbage.lines().toString());
    assertTrue(garbage.last().startsWith("geodecoder score: failed: file:" + model.resolve("model.json")
        + " (--model) is not a valid model.json: "), garbage.last());
  }

  @Test
  void exitCodesTellALockFromAFailureAndUnwrapTaskErrors() {
    PrintStream old = System.err;
    System.setErr(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    try {
      assertEquals(3, GeoDecoderCli.report("nightly", new LockHeldException("Another nightly run holds the lock")));
      assertEquals(1, GeoDecoderCli.report("score", new RuntimeException(new SparkException("task failed",
          new JobFailedException("bad image")))));
    } finally {
      System.setErr(old);
    }
  }

  @Test
  void ctrlCSaysWhatWasKeptAndLeavesThePreviousOutput() throws Exception {
    Path out = tmp.resolve("synth");
    Files.createDirectories(out);
    Files.writeString(out.resolve("manifest.csv"), "previous");
    List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
        System.getProperty("java.class.path"), GeoDecoderCli.class.getName(), "synth", "--master", "local[1]",
        "--count", "1000000", "--output", out.toString(), "--overwrite", "true");
    Process p = new ProcessBuilder(cmd).redirectError(tmp.resolve("stderr.txt").toFile())
        .redirectOutput(tmp.resolve("stdout.txt").toFile()).start();
    try {
      long deadline = System.currentTimeMillis() + 120_000;
      boolean writing = false;
      while (!writing && System.currentTimeMillis() < deadline && p.isAlive()) {
        Thread.sleep(200);
        try (var s = Files.list(tmp)) {
          writing = s.anyMatch(f -> f.getFileName().toString().startsWith(".synth.attempt-")
              && Files.exists(f.resolve("images")));
        }
      }
      assertTrue(writing, "the job started writing images");
      new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the job stopped after SIGINT");
    } finally {
      p.destroyForcibly();
    }
    String stderr = Files.readString(tmp.resolve("stderr.txt"));
    List<String> ours = stderr.lines().filter(l -> l.startsWith("geodecoder synth:")).toList();
    assertEquals(1, ours.size(), stderr);
    assertTrue(ours.get(0).startsWith("geodecoder synth: interrupted: previous output file:" + out
        + " unchanged, partial output left uncommitted in file:" + tmp + "/.synth.attempt-"), ours.get(0));
    assertEquals("previous", Files.readString(out.resolve("manifest.csv")));
    try (var s = Files.list(out)) {
      assertEquals(List.of("manifest.csv"), s.map(f -> f.getFileName().toString()).toList());
    }
  }
}
