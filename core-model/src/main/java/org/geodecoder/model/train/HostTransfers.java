package org.geodecoder.model.train;

/**
 * Counts what a {@link ReplicaTrainer} copies between its device and the host (input batches
 * aside): full-size copies of the gradient or parameter vector, and their bytes together with the
 * small ones (the gradient norm read back each step). Lets a test, and {@code metrics.jsonl},
 * check that one replica moves nothing full-size and N replicas exactly one copy each way.
 */
public final class HostTransfers {
  private long fullToHost;
  private long fullFromHost;
  private long bytesToHost;
  private long bytesFromHost;

  /** A copy of the counters as they are now. */
  public HostTransfers snapshot() {
    HostTransfers s = new HostTransfers();
    s.fullToHost = fullToHost;
    s.fullFromHost = fullFromHost;
    s.bytesToHost = bytesToHost;
    s.bytesFromHost = bytesFromHost;
    return s;
  }

  /** What was moved since {@code earlier} (a snapshot of these counters). */
  public HostTransfers since(HostTransfers earlier) {
    HostTransfers d = new HostTransfers();
    d.fullToHost = fullToHost - earlier.fullToHost;
    d.fullFromHost = fullFromHost - earlier.fullFromHost;
    d.bytesToHost = bytesToHost - earlier.bytesToHost;
    d.bytesFromHost = bytesFromHost - earlier.bytesFromHost;
    return d;
  }

  void toHost(long bytes, boolean fullSize) {
    bytesToHost += bytes;
    if (fullSize) {
      fullToHost++;
    }
  }

  void fromHost(long bytes, boolean fullSize) {
    bytesFromHost += bytes;
    if (fullSize) {
      fullFromHost++;
    }
  }

  /** Full-size (gradient or parameter vector) copies device → host. */
  public long fullToHost() {
    return fullToHost;
  }

  /** Full-size copies host → device. */
  public long fullFromHost() {
    return fullFromHost;
  }

  public long bytesToHost() {
    return bytesToHost;
  }

  public long bytesFromHost() {
    return bytesFromHost;
  }
}
