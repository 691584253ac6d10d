package org.geodecoder.jobs.io;

import java.util.LinkedHashMap;
import java.util.Map;

/** Wall time of a job's consecutive phases, for the log and summary.json. Not thread-safe. */
public final class PhaseTimer {
  private final Map<String, Double> seconds = new LinkedHashMap<>();
  private long last = System.nanoTime();

  /** Ends the phase that started at the previous mark; returns its seconds. */
  public double end(String phase) {
    long now = System.nanoTime();
    double s = Math.round((now - last) / 1e7) / 100.0;
    seconds.merge(phase, s, Double::sum);
    last = now;
    return s;
  }

  public Map<String, Double> seconds() {
    return new LinkedHashMap<>(seconds);
  }
}
