package org.geodecoder.jobs.score;

import java.io.Serializable;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.TaskCompletionListener;

/**
 * Where the tasks' time goes, summed over all tasks (task-seconds, not wall-clock): reading the
 * encoded images, decoding and transforming them, the forward pass (post-processing included),
 * waiting for the shared model's lock (held by another task's transforms or forward), and
 * writing the output. Each task
 * accumulates nanoseconds locally and adds them once, when it completes. Like all Spark
 * accumulators updated in tasks, a retried task counts twice.
 */
public final class TaskTimes implements Serializable {
  private static final long serialVersionUID = 1L;

  final LongAccumulator read;
  final LongAccumulator decode;
  final LongAccumulator forward;
  final LongAccumulator forwardWait;
  final LongAccumulator write;
  /** executor/device of every model instance a task used. */
  final CollectionAccumulator<String> models;

  private TaskTimes(SparkContext sc) {
    read = sc.longAccumulator("score: read ns");
    decode = sc.longAccumulator("score: decode+transform ns");
    forward = sc.longAccumulator("score: forward ns");
    forwardWait = sc.longAccumulator("score: forward wait ns");
    write = sc.longAccumulator("score: write ns");
    models = sc.collectionAccumulator("score: models");
  }

  static TaskTimes register(SparkContext sc) {
    return new TaskTimes(sc);
  }

  /** Task-seconds per phase: read, decode_transform, forward, forward_wait, write. */
  Map<String, Double> seconds() {
    Map<String, Double> out = new LinkedHashMap<>();
    out.put("read", round(read.value()));
    out.put("decode_transform", round(decode.value()));
    out.put("forward", round(forward.value()));
    out.put("forward_wait", round(forwardWait.value()));
    out.put("write", round(write.value()));
    return out;
  }

  /** Share of the working time (read + decode/transform + forward + write) spent in forward. */
  double forwardFraction() {
    double work = read.value() + decode.value() + forward.value() + write.value();
    return work == 0 ? 0 : Math.round(forward.value() / work * 1000) / 1000.0;
  }

  /** Devices the tasks ran the model on (cpu, gpu:0, …). */
  List<String> devicesUsed() {
    TreeSet<String> out = new TreeSet<>();
    for (String m : models.value()) {
      out.add(m.substring(m.lastIndexOf('/') + 1));
    }
    return List.copyOf(out);
  }

  /**
   * Share of the scoring phase's wall time during which the model instances were running a
   * forward pass: forward task-seconds / (wall seconds × instances), one instance per
   * (executor, device). Forward passes on one instance never overlap, so this is at most 1; it
   * is the figure that says whether the model (rather than reading and decoding) limits the
   * throughput, whatever the number of task slots.
   */
  double modelUtilization(double wallSeconds) {
    long instances = new TreeSet<>(models.value()).size();
    return instances == 0 || wallSeconds <= 0 ? 0
        : Math.round(Math.min(1, forward.value() / 1e9 / (wallSeconds * instances)) * 1000) / 1000.0;
  }

  private static double round(long nanos) {
    return Math.round(nanos / 1e7) / 100.0;
  }

  /**
   * Wraps the rows a writer consumes, and adds to {@code write} the time spent outside this
   * iterator: between its calls (the writer encoding and writing each row) and from the last
   * call to the end of the task (flush, close, commit). Time spent producing the rows (reading
   * them back, sorting) is inside the calls and is not counted.
   */
  static <T> Iterator<T> timeConsumer(Iterator<T> in, LongAccumulator write) {
    long[] state = {System.nanoTime(), 0}; // last return from this iterator, consumer nanos
    TaskContext.get().addTaskCompletionListener(new TaskCompletionListener() {
      @Override
      public void onTaskCompletion(TaskContext context) {
        write.add(state[1] + System.nanoTime() - state[0]);
      }
    });
    return new Iterator<T>() {
      @Override
      public boolean hasNext() {
        state[1] += System.nanoTime() - state[0];
        boolean more = in.hasNext();
        state[0] = System.nanoTime();
        return more;
      }

      @Override
      public T next() {
        state[1] += System.nanoTime() - state[0];
        T t = in.next();
        state[0] = System.nanoTime();
        return t;
      }
    };
  }
}
