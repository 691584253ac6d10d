package org.geodecoder.jobs.cli;

import org.geodecoder.jobs.io.OutputCommit;

/**
 * Ctrl-C (SIGINT) or a kill (SIGTERM) while a job runs: the JVM runs its shutdown hooks, this one
 * prints one line saying what was kept — the previous output is unchanged, the partial output is
 * left uncommitted (a training run keeps its checkpoints for --resume).
 */
public final class InterruptReport {
  private final Thread hook;
  private volatile boolean finished;

  private InterruptReport(String job) {
    this.hook = new Thread(() -> {
      if (!finished) {
        String open = OutputCommit.describeOpen();
        System.err.println("geodecoder " + job + ": interrupted: "
            + (open.isEmpty() ? "no output was being written" : open)
            + ("train".equals(job) ? "; checkpoints written so far are kept (continue with --resume true)" : ""));
      }
    }, "geodecoder-interrupt-report");
  }

  public static InterruptReport install(String job) {
    InterruptReport r = new InterruptReport(job);
    Runtime.getRuntime().addShutdownHook(r.hook);
    return r;
  }

  /** The job ended by itself: no interrupt line. */
  public void finished() {
    finished = true;
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // already shutting down
    }
  }
}
