package org.geodecoder.jobs.train;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.geodecoder.model.train.Batch;

/**
 * The input side of the step loop: the task thread hands each step's rows in, a bounded pool of
 * CPU threads decodes and augments them (outside the device lock, on CPU arrays) into
 * preallocated image buffers, and the loop takes the batches back in step order. With no
 * threads, each batch is prepared on the task thread when it is submitted. At most {@code
 * ahead} batches are in preparation; the buffers are reused once their step is done.
 *
 * <p>Every random draw is seeded by (seed, epoch, position), so the batches do not depend on
 * which thread prepared them or when.
 */
final class BatchPipeline implements AutoCloseable {
  /** A step's batch (null when no row was usable) and the image buffer to give back. */
  record Prepared(long step, Batch batch, float[] buffer) {}

  private final BatchAssembler assembler;
  private final int epoch;
  private final int ahead;
  private final ExecutorService pool;
  private final ArrayBlockingQueue<float[]> free;
  private final ArrayDeque<Future<Prepared>> inFlight = new ArrayDeque<>();

  BatchPipeline(BatchAssembler assembler, int epoch, int slice, int threads, int ahead) {
    this.assembler = assembler;
    this.epoch = epoch;
    this.ahead = ahead;
    AtomicInteger n = new AtomicInteger();
    // threads == 0: each batch is prepared on the task thread when it is submitted (no overlap)
    this.pool = threads == 0 ? null : Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "geodecoder-input-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    // one buffer per batch in preparation, one for the step computing, one being handed over
    this.free = new ArrayBlockingQueue<>(ahead + 2);
    for (int i = 0; i < ahead + 2; i++) {
      free.add(new float[slice * assembler.imageValues()]);
    }
  }

  /** True when {@code ahead} batches are in preparation: take one before adding another. */
  boolean full() {
    return inFlight.size() >= ahead;
  }

  boolean isEmpty() {
    return inFlight.isEmpty();
  }

  /** Starts preparing a step's rows (a copy of the list is kept). */
  void submit(long step, List<TrainingSample> rows) {
    List<TrainingSample> copy = List.copyOf(rows);
    float[] buffer = free.poll();
    if (buffer == null) {
      throw new IllegalStateException("No free batch buffer: release each batch after its step");
    }
    java.util.concurrent.Callable<Prepared> prepare = () -> {
      try (NDManager cpu = NDManager.newBaseManager(Device.cpu())) {
        return new Prepared(step, assembler.training(copy, epoch, cpu, buffer), buffer);
      }
    };
    if (pool == null) {
      java.util.concurrent.CompletableFuture<Prepared> done = new java.util.concurrent.CompletableFuture<>();
      try {
        done.complete(prepare.call());
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
      inFlight.add(done);
    } else {
      inFlight.add(pool.submit(prepare));
    }
  }

  /** The oldest batch, waiting for it if needed. */
  Prepared next() {
    try {
      return inFlight.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for a training batch", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      throw c instanceof RuntimeException r ? r : new IllegalStateException("Preparing a training batch failed", c);
    }
  }

  /** Gives a batch's buffer back once its step no longer reads it. */
  void release(Prepared p) {
    free.offer(p.buffer());
  }

  @Override
  public void close() {
    for (Future<Prepared> f : inFlight) {
      f.cancel(true);
    }
    inFlight.clear();
    if (pool != null) {
      pool.shutdownNow();
    }
  }
}
