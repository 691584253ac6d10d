package org.geodecoder.jobs.train;

import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.train.OptimizerState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes checkpoints on one background thread, from snapshots taken on the step thread, so that
 * a checkpoint stalls the step loop (and the peers waiting for it in the next exchange) only for
 * the snapshot copy. One write at a time, in step order: a new one first waits for the previous.
 * A failed write fails the next {@link #submit} or {@link #awaitAll}, as a synchronous write
 * would have failed its step. Atomicity is {@link CheckpointStore}'s ({@code _COMMITTED} last).
 */
final class BackgroundCheckpoints implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundCheckpoints.class);

  private final CheckpointStore store;
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "checkpoint-writer");
    t.setDaemon(true);
    return t;
  });
  private Future<CheckpointStore.Ref> pending;

  BackgroundCheckpoints(CheckpointStore store) {
    this.store = store;
  }

  /**
   * Writes a checkpoint in the background; takes ownership of {@code model} (closed after the
   * write). Waits for the previous write first.
   */
  void submit(TrainState state, ModelCheckpoint.Snapshot model, OptimizerState optimizer, List<String> stepLines,
      int keep) {
    try {
      awaitAll();
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
    List<String> lines = List.copyOf(stepLines);
    long t0 = System.nanoTime();
    pending = thread.submit(() -> {
      try (model) {
        CheckpointStore.Ref ref = store.write(state, model, optimizer, lines, keep);
        LOG.info("train: checkpoint of step {} written to {} in {} s (in the background)", state.step(), ref.path(),
            String.format(Locale.ROOT, "%.2f", (System.nanoTime() - t0) / 1e9));
        return ref;
      }
    });
  }

  /**
   * Waits until every submitted checkpoint is committed; rethrows a write's failure. Not
   * interruptible (a killed task keeps its interrupt flag): no write may outlive its task, where it
   * could race the retried stage's writer of the same step.
   */
  void awaitAll() {
    Future<CheckpointStore.Ref> f = pending;
    if (f == null) {
      return;
    }
    pending = null;
    boolean interrupted = false;
    try {
      while (true) {
        try {
          f.get();
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** Waits for the pending write (so none outlives the task), then stops the thread. */
  @Override
  public void close() {
    try {
      awaitAll();
    } finally {
      thread.shutdown();
    }
  }
}
