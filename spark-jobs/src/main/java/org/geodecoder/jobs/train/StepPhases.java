package org.geodecoder.jobs.train;

import java.util.Locale;
import org.geodecoder.model.train.HostTransfers;

/**
 * Where the time of training steps went, summed over some steps: waiting for the batch (input
 * pipeline, Spark rows, the previous step's logging and checkpoint), forward + backward, the
 * gradient gather and copy to the host, the exchange (all-reduce), and the update (copy back,
 * norm, SGD); plus what crossed between device and host.
 */
final class StepPhases {
  private static final String[] NAMES = {"data", "fwd_bwd", "gather", "exchange", "update"};

  private final long[] nanos = new long[NAMES.length];
  private long steps;
  private long bytesToHost;
  private long bytesFromHost;
  private long copiesToHost;
  private long copiesFromHost;

  static StepPhases of(long data, long compute, long gather, long exchange, long update, HostTransfers moved) {
    StepPhases p = new StepPhases();
    p.nanos[0] = data;
    p.nanos[1] = compute;
    p.nanos[2] = gather;
    p.nanos[3] = exchange;
    p.nanos[4] = update;
    p.steps = 1;
    p.bytesToHost = moved.bytesToHost();
    p.bytesFromHost = moved.bytesFromHost();
    p.copiesToHost = moved.fullToHost();
    p.copiesFromHost = moved.fullFromHost();
    return p;
  }

  void add(StepPhases o) {
    for (int i = 0; i < nanos.length; i++) {
      nanos[i] += o.nanos[i];
    }
    steps += o.steps;
    bytesToHost += o.bytesToHost;
    bytesFromHost += o.bytesFromHost;
    copiesToHost += o.copiesToHost;
    copiesFromHost += o.copiesFromHost;
  }

  void clear() {
    java.util.Arrays.fill(nanos, 0);
    steps = 0;
    bytesToHost = bytesFromHost = copiesToHost = copiesFromHost = 0;
  }

  long steps() {
    return steps;
  }

  private long total() {
    long t = 0;
    for (long n : nanos) {
      t += n;
    }
    return t;
  }

  /**
   * JSON fields (no braces): seconds per step of each phase ({@code t_data} …), bytes and
   * full-size copies per step between device and host; with {@code shares} also each phase's
   * share of the step time.
   */
  String json(boolean shares) {
    StringBuilder b = new StringBuilder();
    double n = Math.max(1, steps);
    for (int i = 0; i < NAMES.length; i++) {
      b.append(String.format(Locale.ROOT, "\"t_%s\":%.6f,", NAMES[i], nanos[i] / 1e9 / n));
    }
    if (shares) {
      double total = Math.max(1, total());
      for (int i = 0; i < NAMES.length; i++) {
        b.append(String.format(Locale.ROOT, "\"share_%s\":%.4f,", NAMES[i], nanos[i] / total));
      }
    }
    b.append(String.format(Locale.ROOT,
        "\"bytes_to_host\":%d,\"bytes_from_host\":%d,\"host_copies_to\":%d,\"host_copies_from\":%d",
        Math.round(bytesToHost / n), Math.round(bytesFromHost / n), Math.round(copiesToHost / n),
        Math.round(copiesFromHost / n)));
    return b.toString();
  }

  /** For the progress line: seconds per step of each phase. */
  String perStep() {
    double n = Math.max(1, steps);
    return String.format(Locale.ROOT, "s/step: data %.3f fwd+bwd %.3f gather %.3f exchange %.3f update %.3f",
        nanos[0] / 1e9 / n, nanos[1] / 1e9 / n, nanos[2] / 1e9 / n, nanos[3] / 1e9 / n, nanos[4] / 1e9 / n);
  }

  /** For the epoch's log line: each phase's share of the step time. */
  String shares() {
    double total = Math.max(1, total());
    return String.format(Locale.ROOT, "data %.1f%%, fwd+bwd %.1f%%, gather %.1f%%, exchange %.1f%%, update %.1f%% (%.3f s/step)",
        100 * nanos[0] / total, 100 * nanos[1] / total, 100 * nanos[2] / total, 100 * nanos[3] / total,
        100 * nanos[4] / total, total / 1e9 / Math.max(1, steps));
  }
}
