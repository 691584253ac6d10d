package org.geodecoder.jobs.io;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.OptionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one output-commit protocol of every job, on any Hadoop filesystem (file:, hdfs:, s3a:).
 *
 * <ol>
 *   <li><b>Before any work</b> ({@link #begin}): the output must not equal, contain or lie inside
 *       any input (both paths are named); an existing non-empty output needs {@code --overwrite
 *       true}; a hidden sibling attempt directory {@code .<name>.attempt-<id>} is created and a
 *       small {@code _ATTEMPT} file written into it, which proves the location writable.
 *   <li>The job writes everything into the attempt directory. Hidden names (leading dot) are
 *       skipped by Spark and Hadoop input listings, so nothing half-written is ever visible.
 *       Exception: on object stores a <em>new</em> output (absent or empty) is written in place,
 *       since a rename there copies every object; it counts only once its marker exists.
 *   <li><b>Only after success</b> ({@link Attempt#commit}): the previous output (if any) is renamed
 *       aside to {@code .<name>.replaced-<id>}, the attempt renamed to the output, the
 *       {@value #MARKER} marker written last, and only then the replaced output deleted. On
 *       local disks and HDFS each rename is atomic; on object stores a rename is a copy, so a
 *       reader must trust an output only when its {@value #MARKER} marker exists — the protocol
 *       of the nightly registry, whose versions count only with their {@code _COMPLETE} marker.
 *       A commit killed half-way leaves the previous output under its {@code .replaced-} name
 *       (never deleted before the new output is complete).
 *   <li>A job that fails after writing diagnostics (rejects, a failed summary) keeps them with
 *       {@link Attempt#keepFailed}: in the output when it was empty, else beside it in
 *       {@code <name>.failed}; the previous output stays as it was.
 *   <li>A job that fails otherwise (or is killed) leaves the previous output untouched; its
 *       attempt is deleted by {@link #abortOpen()} (the launcher calls it), or stays as a
 *       hidden sibling after a kill -9.
 * </ol>
 *
 * Written by hand: Hadoop's output committers cover one Spark write each, not a job's several
 * writes plus small files, and do not protect inputs.
 */
public final class OutputCommit {
  private static final Logger LOG = LoggerFactory.getLogger(OutputCommit.class);
  /** Written last into a committed output. */
  public static final String MARKER = "_COMMITTED";
  /** Written first into an attempt directory (the writability check). */
  public static final String ATTEMPT_FILE = "_ATTEMPT";
  /** Filesystems whose rename is a copy of every object. */
  private static final Set<String> OBJECT_STORES =
      Set.of("s3a", "s3", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "cosn", "obs");
  /** Attempts begun in this JVM and neither committed, kept nor aborted. */
  private static final Set<Attempt> OPEN = ConcurrentHashMap.newKeySet();

  private OutputCommit() {}

  /**
   * Checks the output against the inputs and the overwrite rule, and creates the attempt
   * directory, all before any work.
   *
   * @param option the option that names the output, for messages ("--output")
   * @param inputs option → input path (null or empty values are skipped)
   * @param inPlaceWhenFresh write directly into the output when it is absent or empty (a train
   *     run directory, which must stay resumable at its own path); otherwise into an attempt
   * @throws OptionException when the output overlaps an input or cannot be written (exit 2)
   * @throws JobFailedException when the output exists and {@code overwrite} is false (exit 1)
   */
  public static Attempt begin(Configuration conf, String uri, boolean overwrite, String option, Map<String, String> inputs,
      boolean inPlaceWhenFresh) {
    refuseOverlap(conf, option, uri, inputs);
    Path target;
    FileSystem fs;
    try {
      Path p = new Path(uri);
      fs = p.getFileSystem(conf);
      target = fs.makeQualified(p);
    } catch (IOException | IllegalArgumentException e) {
      throw new OptionException("Cannot use " + option + " " + uri + ": " + e.getMessage());
    }
    boolean fresh = isAbsentOrEmpty(fs, target, option);
    if (!fresh && !overwrite) {
      throw new JobFailedException(
          "Output " + target + " already exists; choose another " + option + " or pass --overwrite true");
    }
    if (target.getParent() == null) {
      throw new OptionException("Cannot use the filesystem root " + target + " as " + option);
    }
    // On object stores a rename copies every object: a new output is written in place instead,
    // valid only once its marker exists (the registry's rule); an existing one is still
    // replaced through an attempt, so that it stays whole until the new one is complete.
    boolean objectStore = OBJECT_STORES.contains(String.valueOf(fs.getScheme()).toLowerCase(Locale.ROOT));
    boolean inPlace = fresh && (inPlaceWhenFresh || objectStore);
    String id = Instant.now().toString().replaceAll("[^0-9]", "").substring(0, 14) + "-"
        + UUID.randomUUID().toString().substring(0, 8);
    Path dir = inPlace ? target : new Path(target.getParent(), "." + target.getName() + ".attempt-" + id);
    try {
      if (!fs.mkdirs(dir)) {
        throw new IOException("mkdirs returned false");
      }
      write(fs, new Path(dir, ATTEMPT_FILE), "{\"output\": \"" + target + "\", \"started\": \"" + Instant.now() + "\"}\n");
    } catch (IOException | RuntimeException e) {
      throw new OptionException("Cannot write to " + option + " " + uri + " (checked before any work by creating " + dir
          + "): " + oneLine(e));
    }
    Attempt a = new Attempt(fs, target, dir, inPlace, inPlace && inPlaceWhenFresh, id);
    OPEN.add(a);
    return a;
  }

  /**
   * Refuses an output that equals, contains or lies inside an input, naming both.
   *
   * @throws OptionException (exit 2)
   */
  public static void refuseOverlap(Configuration conf, String outputOption, String output, Map<String, String> inputs) {
    Path out = qualified(conf, output);
    for (Map.Entry<String, String> in : inputs.entrySet()) {
      if (in.getValue() == null || in.getValue().isBlank()) {
        continue;
      }
      for (String one : in.getValue().split(",")) {
        String s = one.trim();
        int eq = s.indexOf('=');
        if (eq > 0 && !s.substring(0, eq).contains("/")) {
          s = s.substring(eq + 1); // name=uri lists (evaluate --predictions)
        }
        if (s.isEmpty()) {
          continue;
        }
        Path inPath = qualified(conf, s);
        String how = relation(out, inPath);
        if (how != null) {
          throw new OptionException(outputOption + " " + out + " " + how + " the input " + in.getKey() + " " + inPath
              + ": the output is replaced when the job succeeds, which would " + (how.startsWith("lies") ? "mix it into" : "destroy")
              + " the input. Choose an " + outputOption + " outside every input");
        }
      }
    }
  }

  /** "is", "contains", "lies inside" or null (no overlap). */
  static String relation(Path out, Path in) {
    if (!sameFileSystem(out, in)) {
      return null;
    }
    String o = trimSlash(out.toUri().getPath());
    String i = trimSlash(in.toUri().getPath());
    if (o.equals(i)) {
      return "is";
    }
    if (i.startsWith(o + "/") || o.equals("")) {
      return "contains";
    }
    if (o.startsWith(i + "/")) {
      return "lies inside";
    }
    return null;
  }

  private static boolean sameFileSystem(Path a, Path b) {
    String sa = String.valueOf(a.toUri().getScheme()).toLowerCase(Locale.ROOT);
    String sb = String.valueOf(b.toUri().getScheme()).toLowerCase(Locale.ROOT);
    return sa.equals(sb) && String.valueOf(a.toUri().getAuthority()).equals(String.valueOf(b.toUri().getAuthority()));
  }

  private static String trimSlash(String p) {
    String s = p == null ? "" : p;
    while (s.endsWith("/")) {
      s = s.substring(0, s.length() - 1);
    }
    return s;
  }

  private static Path qualified(Configuration conf, String uri) {
    Path p = new Path(uri);
    try {
      return p.getFileSystem(conf).makeQualified(p);
    } catch (IOException | RuntimeException e) {
      return p; // an unreachable filesystem: compared as given; the job names the problem when it reads it
    }
  }

  private static boolean isAbsentOrEmpty(FileSystem fs, Path p, String option) {
    try {
      if (!fs.exists(p)) {
        return true;
      }
      FileStatus s = fs.getFileStatus(p);
      return s.isDirectory() && fs.listStatus(p).length == 0;
    } catch (IOException e) {
      throw new OptionException("Cannot access " + option + " " + p + ": " + oneLine(e));
    }
  }

  /** Deletes every attempt of this JVM that was neither committed nor kept; returns how many. */
  public static int abortOpen() {
    int n = 0;
    for (Attempt a : OPEN) {
      a.abort();
      n++;
    }
    return n;
  }

  /** A line per open attempt, for an interrupted run's last message. */
  public static String describeOpen() {
    StringBuilder sb = new StringBuilder();
    for (Attempt a : OPEN) {
      sb.append(sb.length() == 0 ? "" : "; ").append(a.inPlace
          ? "new output " + a.target + " keeps what was written so far, uncommitted (no " + MARKER + ")"
          : "previous output " + a.target + " unchanged, partial output left uncommitted in " + a.dir);
    }
    return sb.toString();
  }

  private static void write(FileSystem fs, Path p, String content) throws IOException {
    try (OutputStream out = fs.create(p, true)) {
      out.write(content.getBytes(StandardCharsets.UTF_8));
    }
  }

  private static String oneLine(Throwable e) {
    String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return m.replace('\n', ' ');
  }

  /** One job's pending output. */
  public static final class Attempt {
    private final FileSystem fs;
    private final Path target;
    private final Path dir;
    private final boolean inPlace;
    /** A failed in-place run keeps what it wrote (a training run's checkpoints, for --resume). */
    private final boolean keepOnAbort;
    private final String id;

    private Attempt(FileSystem fs, Path target, Path dir, boolean inPlace, boolean keepOnAbort, String id) {
      this.fs = fs;
      this.target = target;
      this.dir = dir;
      this.inPlace = inPlace;
      this.keepOnAbort = keepOnAbort;
      this.id = id;
    }

    /** Where the job writes now. */
    public Path dir() {
      return dir;
    }

    /** Where the output appears after {@link #commit}. */
    public Path target() {
      return target;
    }

    public FileSystem fileSystem() {
      return fs;
    }

    /** Replaces the previous output with this attempt's and writes the marker (see the class comment). */
    public void commit(String job) {
      if (!OPEN.remove(this)) {
        throw new IllegalStateException("Output " + target + " is already committed or aborted");
      }
      Path replaced = new Path(target.getParent(), "." + target.getName() + ".replaced-" + id);
      try {
        fs.delete(new Path(dir, ATTEMPT_FILE), false);
        if (!inPlace) {
          boolean hadPrevious = fs.exists(target);
          if (hadPrevious) {
            fs.delete(new Path(target, MARKER), false); // readers stop trusting it before it changes
            rename(target, replaced);
          }
          try {
            rename(dir, target);
          } catch (IOException e) {
            if (hadPrevious && !fs.exists(target)) {
              rename(replaced, target); // put the previous output back
            }
            throw e;
          }
          if (hadPrevious) {
            fs.delete(replaced, true);
          }
        }
        write(fs, new Path(target, MARKER), "{\"job\": \"" + job + "\", \"committed\": \"" + Instant.now() + "\"}\n");
        LOG.info("{}: output committed to {}", job, target);
      } catch (IOException e) {
        throw new JobFailedException("Cannot commit the output " + dir + " to " + target + ": " + oneLine(e)
            + (fsExists(replaced) ? "; the previous output is kept in " + replaced : ""), e);
      }
    }

    /**
     * Keeps a failed attempt's diagnostics: in the output when it is absent or empty, else in
     * {@code <output>.failed} (replacing an older one). The previous output is not touched.
     *
     * @return where the diagnostics are now
     */
    public Path keepFailed() {
      if (!OPEN.remove(this)) {
        return dir;
      }
      try {
        fs.delete(new Path(dir, ATTEMPT_FILE), false);
        if (inPlace) {
          return target;
        }
        Path to = isAbsentOrEmpty(fs, target, "output") ? target : new Path(target.getParent(), target.getName() + ".failed");
        if (fs.exists(to)) {
          fs.delete(to, true);
        }
        rename(dir, to);
        return to;
      } catch (IOException | RuntimeException e) {
        LOG.warn("Cannot move the failed attempt's diagnostics from {}: {}", dir, oneLine(e));
        return dir;
      }
    }

    /** Deletes the attempt (never the previous output); a fresh in-place output keeps what it has. */
    public void abort() {
      if (!OPEN.remove(this)) {
        return;
      }
      try {
        if (!inPlace || !keepOnAbort || onlyAttemptFile()) {
          fs.delete(dir, true); // an attempt, or a new output (nothing was there before)
        }
      } catch (IOException e) {
        LOG.warn("Cannot delete the uncommitted attempt {}: {}", dir, oneLine(e));
      }
    }

    private boolean onlyAttemptFile() throws IOException {
      for (FileStatus f : fs.listStatus(dir)) {
        String n = f.getPath().getName();
        if (!n.equals(ATTEMPT_FILE) && !n.equals("." + ATTEMPT_FILE + ".crc")) {
          return false;
        }
      }
      return true;
    }

    private boolean fsExists(Path p) {
      try {
        return fs.exists(p);
      } catch (IOException e) {
        return false;
      }
    }

    private void rename(Path from, Path to) throws IOException {
      if (!fs.rename(from, to)) {
        throw new IOException("rename of " + from + " to " + to + " returned false");
      }
    }
  }
}
