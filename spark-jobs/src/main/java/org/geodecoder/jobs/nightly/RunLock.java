package org.geodecoder.jobs.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A lock file that keeps two nightly runs from overlapping, on any Hadoop filesystem (so runs
 * started on different hosts against one registry exclude each other too).
 *
 * <p>The lock file is created atomically (see {@link HadoopFiles#createExclusive}) and names
 * its holder: host, pid, start time and a random token. While a run holds the lock, a daemon
 * thread rewrites {@code <lock>.heartbeat} every {@code timeout / 6} (at most every 5 minutes),
 * so a run that lasts days keeps its lock. A lock is stale, and is broken with a warning that
 * says why, when its holder was on this host and its pid is gone, or when its last sign of life
 * (lock or heartbeat modification time) is older than the timeout. Otherwise a second run is
 * refused with a message naming the holder.
 *
 * <p>The holder checks its token before each step ({@link #verify}): if its lock was broken
 * and taken by another run meanwhile, it stops instead of racing that run.
 */
public final class RunLock implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunLock.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration MAX_HEARTBEAT = Duration.ofMinutes(5);

  /** Who holds a lock. {@code started} is when the lock was taken. */
  public record Holder(String host, long pid, Instant started, String token) {
    /** This JVM, now, with a fresh token. */
    public static Holder thisProcess(Clock clock) {
      return new Holder(localHost(), ProcessHandle.current().pid(), clock.instant(), UUID.randomUUID().toString());
    }

    String toJson() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", host);
      m.put("pid", pid);
      m.put("started", started.toString());
      m.put("token", token);
      try {
        return JSON.writeValueAsString(m) + "\n";
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    static Optional<Holder> parse(String text) {
      try {
        JsonNode n = JSON.readTree(text);
        if (n == null || !n.hasNonNull("host") || !n.hasNonNull("pid") || !n.hasNonNull("started") || !n.hasNonNull("token")) {
          return Optional.empty();
        }
        return Optional.of(new Holder(n.get("host").asText(), n.get("pid").asLong(), Instant.parse(n.get("started").asText()),
            n.get("token").asText()));
      } catch (IOException | java.time.format.DateTimeParseException e) {
        return Optional.empty();
      }
    }

    String describe() {
      return "host " + host + ", pid " + pid + ", started " + started;
    }
  }

  private final FileSystem fs;
  private final Path file;
  private final Path heartbeat;
  private final Holder holder;
  private final String brokeStale;
  private final Thread heartbeatThread;
  private volatile boolean released;

  private RunLock(FileSystem fs, Path file, Holder holder, String brokeStale, Duration heartbeatEvery) {
    this.fs = fs;
    this.file = file;
    this.heartbeat = heartbeatOf(file);
    this.holder = holder;
    this.brokeStale = brokeStale;
    this.heartbeatThread = new Thread(() -> beat(heartbeatEvery), "geodecoder-lock-heartbeat");
    this.heartbeatThread.setDaemon(true);
    this.heartbeatThread.start();
  }

  /**
   * Takes the lock, breaking a stale one first (logged, and available from {@link
   * #brokeStale()}).
   *
   * @param timeout a lock whose holder showed no sign of life for longer is stale
   * @param timeoutOption the option that sets the timeout, named in messages
   * @throws JobFailedException when a live run holds the lock: the message names it
   */
  public static RunLock acquire(FileSystem fs, Path file, Duration timeout, String timeoutOption, Holder me, Clock clock) {
    String broke = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      if (HadoopFiles.createExclusive(fs, file, me.toJson())) {
        HadoopFiles.writeAtomically(fs, heartbeatOf(file), me.token() + "\n");
        Duration every = timeout.dividedBy(6);
        every = every.compareTo(MAX_HEARTBEAT) > 0 ? MAX_HEARTBEAT : every.isZero() ? Duration.ofSeconds(1) : every;
        LOG.info("Took the lock {} ({})", file, me.describe());
        return new RunLock(fs, file, me, broke, every);
      }
      Optional<String> content = HadoopFiles.read(fs, file);
      if (content.isEmpty()) {
        continue; // released between our two calls: try again
      }
      Optional<Holder> other = Holder.parse(content.get());
      long lastSign = Math.max(HadoopFiles.modificationTime(fs, file), HadoopFiles.modificationTime(fs, heartbeatOf(file)));
      Optional<String> stale = staleReason(other, lastSign, timeout, timeoutOption, clock);
      if (stale.isEmpty()) {
        Duration quiet = Duration.ofMillis(Math.max(0, clock.millis() - lastSign));
        throw new org.geodecoder.jobs.cli.LockHeldException("Another nightly run holds the lock " + file + ": "
            + other.map(Holder::describe).orElse("holder unreadable (lock still being written?)")
            + ", last sign of life " + hours(quiet) + " h ago. Refusing to start, so that two runs never overlap. "
            + "If that run is dead, its lock is broken automatically once it is silent for more than " + timeoutOption
            + " " + hours(timeout) + " h (at once when its pid is gone and it ran on this host), or delete " + file + ".");
      }
      // Re-read right before deleting, so that we never delete a lock taken meanwhile.
      if (!content.equals(HadoopFiles.read(fs, file))) {
        continue;
      }
      broke = "Breaking the stale lock " + file + " (" + other.map(Holder::describe).orElse("unreadable holder") + "): "
          + stale.get();
      LOG.warn(broke);
      HadoopFiles.delete(fs, heartbeatOf(file));
      HadoopFiles.delete(fs, file);
    }
    throw new org.geodecoder.jobs.cli.LockHeldException("Could not take the lock " + file + " after 3 attempts: other runs keep taking it");
  }

  /**
   * Why a lock is stale, or empty when it is live. Pure, given the holder, the time of its
   * last sign of life (ms) and the clock.
   */
  static Optional<String> staleReason(Optional<Holder> holder, long lastSignMillis, Duration timeout, String timeoutOption,
      Clock clock) {
    if (holder.isPresent() && holder.get().host().equals(localHost())) {
      long pid = holder.get().pid();
      boolean alive = ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
      if (!alive) {
        return Optional.of("its holder, pid " + pid + " on this host (" + localHost() + "), is no longer running");
      }
      if (pid == ProcessHandle.current().pid()) {
        return Optional.empty(); // this very JVM holds it (another session in the same driver)
      }
    }
    Duration quiet = Duration.ofMillis(clock.millis() - lastSignMillis);
    if (lastSignMillis >= 0 && quiet.compareTo(timeout) > 0) {
      return Optional.of("no sign of life for " + hours(quiet) + " h, more than " + timeoutOption + " " + hours(timeout) + " h");
    }
    return Optional.empty();
  }

  /** The message logged when a stale lock was broken to take this one, if any. */
  public Optional<String> brokeStale() {
    return Optional.ofNullable(brokeStale);
  }

  public Holder holder() {
    return holder;
  }

  public Path file() {
    return file;
  }

  /** @throws JobFailedException when this run no longer holds its lock */
  public void verify() {
    Optional<Holder> now = HadoopFiles.read(fs, file).flatMap(Holder::parse);
    if (now.isEmpty() || !now.get().token().equals(holder.token())) {
      throw new JobFailedException("This run lost its lock " + file + " (now: "
          + now.map(Holder::describe).orElse("no lock") + "); stopping so as not to race another run");
    }
  }

  /** Releases the lock if this run still holds it. */
  @Override
  public void close() {
    if (released) {
      return;
    }
    released = true;
    heartbeatThread.interrupt();
    try {
      heartbeatThread.join(10_000); // no heartbeat written after the lock is gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Optional<Holder> now = HadoopFiles.read(fs, file).flatMap(Holder::parse);
    if (now.isPresent() && now.get().token().equals(holder.token())) {
      HadoopFiles.delete(fs, heartbeat);
      HadoopFiles.delete(fs, file);
      LOG.info("Released the lock {}", file);
    } else {
      LOG.warn("Not releasing the lock {}: it is no longer ours ({})", file, now.map(Holder::describe).orElse("gone"));
    }
  }

  private void beat(Duration every) {
    while (!released) {
      try {
        Thread.sleep(every.toMillis());
      } catch (InterruptedException e) {
        return;
      }
      if (released) {
        return;
      }
      try {
        HadoopFiles.writeAtomically(fs, heartbeat, holder.token() + "\n");
      } catch (RuntimeException e) {
        LOG.warn("Cannot write the lock heartbeat {}: {}", heartbeat, e.toString());
      }
    }
  }

  static Path heartbeatOf(Path lock) {
    return new Path(lock.getParent(), lock.getName() + ".heartbeat");
  }

  private static String hours(Duration d) {
    return String.format(java.util.Locale.ROOT, "%.1f", d.toMillis() / 3_600_000.0);
  }

  static String localHost() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      String env = System.getenv("HOSTNAME");
      return env != null ? env : "localhost";
    }
  }
}
