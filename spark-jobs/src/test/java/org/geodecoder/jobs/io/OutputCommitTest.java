package org.geodecoder.jobs.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.testing.LoopbackS3Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The output-commit protocol on the local filesystem and on S3A (a real S3-compatible server on
 * 127.0.0.1): a writer killed with SIGKILL mid-write leaves the previous output byte for byte and
 * nothing half-written visible; a commit replaces it whole; overlapping and unwritable outputs
 * are refused before anything is written.
 */
class OutputCommitTest {
  @TempDir Path tmp;

  /** Child process: begins an attempt on args[0] (conf key=value pairs follow), writes files until killed. */
  public static void main(String[] args) throws Exception {
    Configuration conf = new Configuration();
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      conf.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }
    OutputCommit.Attempt a = OutputCommit.begin(conf, args[0], true, "--output", Map.of(), false);
    FileSystem fs = a.fileSystem();
    for (int i = 0; i < 10_000; i++) { // bounded: about 100 s at most
      try (OutputStream out = fs.create(new org.apache.hadoop.fs.Path(a.dir(), "part-" + i), true)) {
        out.write(("new " + i).getBytes(StandardCharsets.UTF_8));
      }
      if (i == 2) {
        System.out.println("WRITING " + a.dir());
        System.out.flush();
      }
      Thread.sleep(10);
    }
  }

  @Test
  void localWriterKilledMidWriteLeavesThePreviousOutput() throws Exception {
    Configuration conf = new Configuration();
    Path out = tmp.resolve("out");
    String uri = out.toUri().toString();
    commitFiles(conf, uri, Map.of("a.txt", "old a", "sub/b.txt", "old b"));
    Map<String, String> before = snapshot(conf, uri);
    assertEquals(Map.of("a.txt", "old a", "sub/b.txt", "old b"), before);

    killMidWrite(uri, Map.of());

    assertEquals(before, snapshot(conf, uri), "previous output intact after the writer was killed");
    assertTrue(Files.exists(out.resolve(OutputCommit.MARKER)));
    List<String> visible = new ArrayList<>();
    try (var s = Files.list(tmp)) {
      s.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).forEach(visible::add);
    }
    assertEquals(List.of("out"), visible, "the half-written attempt is a hidden sibling, nothing else is visible");
  }

  @Test
  void s3aWriterKilledMidWriteLeavesThePreviousOutputAndCommitReplacesIt() throws Exception {
    try (LoopbackS3Server s3 = LoopbackS3Server.start(tmp.resolve("s3"), "geo")) {
      Configuration conf = new Configuration();
      s3.hadoopConf().forEach(conf::set);
      // Not the cached s3a://geo filesystem of an earlier test class in this JVM (another port).
      conf.setBoolean("fs.s3a.impl.disable.cache", true);
      String uri = "s3a://geo/runs/out";
      commitFiles(conf, uri, Map.of("a.txt", "old a", "sub/b.txt", "old b"));
      Map<String, String> before = snapshot(conf, uri);
      assertEquals(Map.of("a.txt", "old a", "sub/b.txt", "old b"), before);

      killMidWrite(uri, s3.hadoopConf());
      assertEquals(before, snapshot(conf, uri), "previous output intact on S3A after the writer was killed");
      FileSystem fs = new org.apache.hadoop.fs.Path(uri).getFileSystem(conf);
      assertTrue(fs.exists(new org.apache.hadoop.fs.Path(uri, OutputCommit.MARKER)));

      // A successful run replaces it: only the new files, the marker written last.
      commitFiles(conf, uri, Map.of("c.txt", "new c"));
      assertEquals(Map.of("c.txt", "new c"), snapshot(conf, uri));
      assertTrue(fs.exists(new org.apache.hadoop.fs.Path(uri, OutputCommit.MARKER)));
    }
  }

  @Test
  void failedRunKeepsThePreviousOutputAndAbortLeavesNothing() throws Exception {
    Configuration conf = new Configuration();
    String uri = tmp.resolve("out").toUri().toString();
    commitFiles(conf, uri, Map.of("a.txt", "old"));
    OutputCommit.Attempt a = OutputCommit.begin(conf, uri, true, "--output", Map.of(), false);
    write(a, "a.txt", "half");
    assertEquals(Map.of("a.txt", "old"), snapshot(conf, uri), "nothing replaced before commit");
    a.abort();
    assertEquals(Map.of("a.txt", "old"), snapshot(conf, uri));
    try (var s = Files.list(tmp)) {
      assertEquals(List.of("out"), s.map(p -> p.getFileName().toString()).sorted().toList(), "the attempt is gone");
    }
    // Diagnostics of a failed run go beside a previous output, never over it.
    OutputCommit.Attempt b = OutputCommit.begin(conf, uri, true, "--output", Map.of(), false);
    write(b, "rejects.txt", "bad rows");
    org.apache.hadoop.fs.Path kept = b.keepFailed();
    assertEquals("out.failed", kept.getName());
    assertEquals(Map.of("a.txt", "old"), snapshot(conf, uri));
    assertEquals("bad rows", Files.readString(tmp.resolve("out.failed/rejects.txt")));
  }

  @Test
  void existingOutputWithoutOverwriteIsRefused() throws Exception {
    Configuration conf = new Configuration();
    String uri = tmp.resolve("out").toUri().toString();
    commitFiles(conf, uri, Map.of("a.txt", "old"));
    JobFailedException e = assertThrows(JobFailedException.class,
        () -> OutputCommit.begin(conf, uri, false, "--output", Map.of(), false));
    assertTrue(e.getMessage().contains("already exists"), e.getMessage());
  }

  @Test
  void overlappingOutputsAreRefusedNamingBothPaths() {
    Configuration conf = new Configuration();
    String d = tmp.resolve("D").toString();
    OptionException contains = assertThrows(OptionException.class, () -> OutputCommit.begin(conf, d, true, "--output",
        Map.of("--manifest", d + "/sub/manifest.csv"), false));
    assertEquals("--output file:" + d + " contains the input --manifest file:" + d + "/sub/manifest.csv: the output is"
        + " replaced when the job succeeds, which would destroy the input. Choose an --output outside every input",
        contains.getMessage());
    OptionException same = assertThrows(OptionException.class, () -> OutputCommit.refuseOverlap(conf, "--output", d,
        Map.of("--model", d + "/")));
    assertTrue(same.getMessage().contains(" is the input --model "), same.getMessage());
    OptionException inside = assertThrows(OptionException.class, () -> OutputCommit.refuseOverlap(conf, "--output", d + "/x",
        Map.of("--images", d)));
    assertTrue(inside.getMessage().contains(" lies inside the input --images "), inside.getMessage());
    // A sibling with a common name prefix is not inside.
    OutputCommit.refuseOverlap(conf, "--output", d + "-out", Map.of("--images", d));
    assertNull(OutputCommit.relation(new org.apache.hadoop.fs.Path("s3a://b/x"), new org.apache.hadoop.fs.Path("file:/x")));
    assertFalse(Files.exists(tmp.resolve("D")), "nothing was created");
  }

  @Test
  void unwritableOutputIsRefusedBeforeAnyWork() {
    OptionException e = assertThrows(OptionException.class,
        () -> OutputCommit.begin(new Configuration(), "/proc/x", false, "--output", Map.of(), false));
    assertTrue(e.getMessage().startsWith("Cannot write to --output /proc/x (checked before any work"), e.getMessage());
  }

  private static void write(OutputCommit.Attempt a, String name, String content) throws Exception {
    try (OutputStream o = a.fileSystem().create(new org.apache.hadoop.fs.Path(a.dir(), name), true)) {
      o.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static void commitFiles(Configuration conf, String uri, Map<String, String> files) throws Exception {
    OutputCommit.Attempt a = OutputCommit.begin(conf, uri, true, "--output", Map.of(), false);
    for (Map.Entry<String, String> f : files.entrySet()) {
      write(a, f.getKey(), f.getValue());
    }
    a.commit("test");
  }

  /** Every data file under the output (markers and checksums left out) → its content. */
  private static Map<String, String> snapshot(Configuration conf, String uri) throws Exception {
    org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(uri);
    FileSystem fs = root.getFileSystem(conf);
    String base = fs.makeQualified(root).toUri().getPath();
    Map<String, String> out = new TreeMap<>();
    var it = fs.listFiles(root, true);
    while (it.hasNext()) {
      FileStatus f = it.next();
      String name = f.getPath().getName();
      if (name.startsWith("_") || name.endsWith(".crc")) {
        continue;
      }
      try (var in = fs.open(f.getPath())) {
        out.put(f.getPath().toUri().getPath().substring(base.length() + 1), new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  /** Starts a writer JVM on the output, waits until it has written, kills it with SIGKILL. */
  private static void killMidWrite(String uri, Map<String, String> conf) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), OutputCommitTest.class.getName(), uri));
    conf.forEach((k, v) -> cmd.add(k + "=" + v));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      StringBuilder seen = new StringBuilder();
      while ((line = r.readLine()) != null && !line.startsWith("WRITING")) {
        seen.append(line).append('\n');
      }
      assertTrue(line != null, "the writer started writing: " + seen);
      p.destroyForcibly(); // SIGKILL: no shutdown hook, no cleanup
      assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    } finally {
      p.destroyForcibly();
    }
  }
}
