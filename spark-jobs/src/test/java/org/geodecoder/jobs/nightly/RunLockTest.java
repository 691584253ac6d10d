package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunLockTest {
  private static final Duration TIMEOUT = Duration.ofHours(6);
  @TempDir java.nio.file.Path tmp;

  private Path lockFile() {
    return new Path(tmp.resolve("registry/lock").toUri());
  }

  private static FileSystem fs() throws Exception {
    return FileSystem.getLocal(new Configuration());
  }

  @Test
  void aSecondRunIsRefusedWithTheHolderInTheMessageAndMayTakeTheLockOnceReleased() throws Exception {
    Clock clock = Clock.systemUTC();
    RunLock.Holder first = RunLock.Holder.thisProcess(clock);
    try (RunLock lock = RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", first, clock)) {
      assertTrue(lock.brokeStale().isEmpty());
      lock.verify();
      String content = Files.readString(tmp.resolve("registry/lock"));
      assertTrue(content.contains("\"pid\":" + ProcessHandle.current().pid()), content);
      JobFailedException e = assertThrows(JobFailedException.class, () ->
          RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(clock), clock));
      assertTrue(e.getMessage().startsWith("Another nightly run holds the lock " + lockFile() + ": host " + first.host()
          + ", pid " + first.pid() + ", started " + first.started()), e.getMessage());
      assertTrue(e.getMessage().contains("Refusing to start, so that two runs never overlap"), e.getMessage());
    }
    assertFalse(Files.exists(tmp.resolve("registry/lock")), "released");
    assertFalse(Files.exists(tmp.resolve("registry/lock.heartbeat")), "released");
    try (RunLock again = RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(clock), clock)) {
      assertTrue(again.brokeStale().isEmpty());
    }
  }

  @Test
  void aLockOfADeadProcessOnThisHostIsBroken() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long deadPid = p.pid();
    Clock clock = Clock.systemUTC();
    RunLock.Holder dead = new RunLock.Holder(RunLock.localHost(), deadPid, clock.instant(), "t-dead");
    assertTrue(HadoopFiles.createExclusive(fs(), lockFile(), dead.toJson()));
    try (RunLock lock = RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(clock), clock)) {
      String msg = lock.brokeStale().orElseThrow();
      assertEquals("Breaking the stale lock " + lockFile() + " (host " + RunLock.localHost() + ", pid " + deadPid + ", started "
          + dead.started() + "): its holder, pid " + deadPid + " on this host (" + RunLock.localHost() + "), is no longer running", msg);
      lock.verify();
    }
  }

  @Test
  void aSilentLockOfAnotherHostIsBrokenOnlyAfterTheTimeout() throws Exception {
    Clock clock = Clock.systemUTC();
    RunLock.Holder remote = new RunLock.Holder("other-host.example", 4242, clock.instant(), "t-remote");
    assertTrue(HadoopFiles.createExclusive(fs(), lockFile(), remote.toJson()));
    // 5 hours later: still live (another host's pid cannot be checked).
    Clock fiveHours = Clock.offset(clock, Duration.ofHours(5));
    JobFailedException e = assertThrows(JobFailedException.class, () ->
        RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(fiveHours), fiveHours));
    assertTrue(e.getMessage().contains("host other-host.example, pid 4242"), e.getMessage());
    assertTrue(e.getMessage().contains("last sign of life 5.0 h ago"), e.getMessage());
    // 7 hours later: broken, saying why.
    Clock sevenHours = Clock.offset(clock, Duration.ofHours(7));
    try (RunLock lock = RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(sevenHours),
        sevenHours)) {
      assertTrue(lock.brokeStale().orElseThrow().endsWith("no sign of life for 7.0 h, more than --lock-timeout-h 6.0 h"),
          lock.brokeStale().get());
    }
  }

  @Test
  void aHeartbeatKeepsALongRunsLockAlive() throws Exception {
    Clock clock = Clock.systemUTC();
    Duration shortTimeout = Duration.ofMillis(1200); // heartbeat every 200 ms
    try (RunLock lock = RunLock.acquire(fs(), lockFile(), shortTimeout, "--lock-timeout-h",
        new RunLock.Holder("other-host.example", 1, Instant.now(), "t-long"), clock)) {
      Thread.sleep(2000); // older than the timeout since it was taken, but it beats
      assertThrows(JobFailedException.class, () ->
          RunLock.acquire(fs(), lockFile(), shortTimeout, "--lock-timeout-h", RunLock.Holder.thisProcess(clock), clock));
    }
  }

  @Test
  void aRunThatLostItsLockNotices() throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2025-01-01T00:00:00Z"), ZoneOffset.UTC);
    try (RunLock lock = RunLock.acquire(fs(), lockFile(), TIMEOUT, "--lock-timeout-h", RunLock.Holder.thisProcess(clock), clock)) {
      HadoopFiles.writeAtomically(fs(), lockFile(), new RunLock.Holder("h2", 7, clock.instant(), "t-other").toJson());
      JobFailedException e = assertThrows(JobFailedException.class, lock::verify);
      assertTrue(e.getMessage().startsWith("This run lost its lock"), e.getMessage());
    }
    assertTrue(Files.exists(tmp.resolve("registry/lock")), "the other run's lock is left alone");
  }
}
