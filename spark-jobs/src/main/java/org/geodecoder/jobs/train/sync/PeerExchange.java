package org.geodecoder.jobs.train.sync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.network.buffer.NioManagedBuffer;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.StreamCallbackWithID;
import org.apache.spark.network.client.TransportClient;

/**
 * The state one executor JVM holds for one all-reduce stage attempt: the replicas of the stage
 * that run in this JVM, grouped into <i>runs</i>, and the protocol between runs.
 *
 * <p><b>Runs and sum order.</b> Ranks 0..N−1 are cut into maximal runs of consecutive ranks that
 * share an executor (with one replica per executor, every rank is a run). Every element is
 * summed as the left fold {@code ((0 + x0) + x1) + … + x(N−1)} — exactly the order of {@code
 * AllGatherSync} and the 1-replica reference — so results are bit-identical on every replica
 * and independent of where Spark placed the tasks. A run can only extend a partial sum that
 * already holds every lower rank, so the reduction is a pipelined chain over runs: run 0 folds
 * its replicas (in memory, read from their buffers) and pushes each chunk to run 1, which adds
 * its replicas and pushes on, and so on; the last run holds the final sums and pushes each final
 * chunk round the ring (to run 0, which writes it into its replicas' buffers and passes it to run
 * 1, and so on up to the run before the last). Replicas of one run never touch the network. Every
 * link between consecutive runs carries the vector at most twice per step (once as partial sums,
 * once as final sums), against 2·(R−1)/R for a ring all-reduce over R runs: the same bytes for 2
 * executors, at most R/(R−1) times more otherwise — the price of the exact order.
 *
 * <p><b>Halves.</b> With two runs, the second a single replica, the chain is replaced by a
 * reduce-scatter + all-gather in the same order (see {@link #split()}): each run folds one half
 * and both directions of the link carry data from the first chunk on.
 *
 * <p><b>Flow.</b> A run announces READY(step) upstream once its replicas have posted their
 * buffers and the run below has announced READY (by halves: the two runs announce to each
 * other and wait for each other), so data never arrives before its buffers exist and nothing is
 * staged. A sender keeps at most {@code window} chunks in flight (acknowledged when the next run
 * has consumed them); every chunk is folded as its bytes arrive, on the transport's
 * I/O thread. Sends are zero-copy slices of the replicas' own buffers (fp32) or of one
 * preallocated bf16 buffer; nothing full-size is allocated per step.
 *
 * <p><b>Failure.</b> {@link #fail} wakes every local waiter and (for a local cause) sends ABORT to
 * every other run without waiting; a lost connection to a peer's endpoint fails the exchange;
 * every wait ends after the sync timeout or when Spark kills the task.
 */
final class PeerExchange {
  private static final byte PARTIAL = 0;
  private static final byte FINAL = 1;
  /** Split mode: the last rank's own values, to be added after the receiving run's fold. */
  private static final byte LAST_RANK = 2;

  private final SyncTransport transport;
  final String key;
  private final Object lock = new Object();

  private boolean configured;
  private PeerAllReduce.Precision precision;
  private int chunkFloats;
  private int window;
  private boolean splitAllowed;
  private long timeoutMillis;
  private int runs;
  private int[] runOfRank;
  private int[] runFirst;
  private String[] runHost;
  private int[] runPort;
  private final Map<Integer, LocalRun> local = new HashMap<>();
  private final Map<Integer, Long> earlyReady = new HashMap<>();
  private final Map<String, TransportClient> clients = new LinkedHashMap<>();
  private Throwable failure;
  private int members;
  private int activeWorkers;

  PeerExchange(SyncTransport transport, String key) {
    this.transport = transport;
    this.key = key;
  }

  void join() {
    synchronized (lock) {
      members++;
    }
  }

  /**
   * Builds the runs from the gathered endpoints ("group\thost\tport" per rank) and connects to
   * the other runs; idempotent (every local replica calls it with the same values).
   */
  void configure(String[] endpoints, PeerAllReduce.Precision precision, int chunkFloats, int window, boolean splitAllowed,
      long timeoutMillis) throws IOException, InterruptedException {
    synchronized (lock) {
      if (configured) {
        return;
      }
      this.splitAllowed = splitAllowed;
      this.precision = precision;
      this.chunkFloats = chunkFloats;
      this.window = window;
      this.timeoutMillis = timeoutMillis;
      int n = endpoints.length;
      runOfRank = new int[n];
      int[] first = new int[n];
      String[] host = new String[n];
      int[] port = new int[n];
      String previous = null;
      int r = -1;
      for (int rank = 0; rank < n; rank++) {
        String[] f = endpoints[rank].split("\t");
        if (!f[0].equals(previous)) {
          r++;
          first[r] = rank;
          host[r] = f[1];
          port[r] = Integer.parseInt(f[2]);
          previous = f[0];
        }
        runOfRank[rank] = r;
      }
      runs = r + 1;
      runFirst = java.util.Arrays.copyOf(first, runs + 1);
      runFirst[runs] = n;
      runHost = java.util.Arrays.copyOf(host, runs);
      runPort = java.util.Arrays.copyOf(port, runs);
      String own = transport.host() + ":" + transport.port();
      for (int i = 0; i < runs; i++) {
        if ((runHost[i] + ":" + runPort[i]).equals(own)) { // the endpoint is per JVM: this run's replicas live here
          LocalRun run = new LocalRun(i, runFirst[i], runFirst[i + 1] - 1);
          run.readyFrom = earlyReady.getOrDefault(i, -1L);
          local.put(i, run);
        }
      }
      configured = true;
    }
    // Connect to every other run once per stage (also what abort() needs to reach them at once).
    for (int i = 0; runs > 1 && i < runs; i++) {
      clientOf(i);
    }
  }

  private TransportClient clientOf(int run) throws IOException, InterruptedException {
    String address = runHost[run] + ":" + runPort[run];
    synchronized (clients) {
      TransportClient c = clients.get(address);
      if (c == null || !c.isActive()) {
        c = transport.client(runHost[run], runPort[run]);
        clients.put(address, c);
      }
      return c;
    }
  }

  private LocalRun runOf(int rank) {
    synchronized (lock) {
      LocalRun r = local.get(runOfRank[rank]);
      if (r == null) {
        throw new IllegalStateException("Replica " + rank + " is not in a run of executor " + transport.executorId());
      }
      return r;
    }
  }

  /** One replica's call for one step: blocks until its buffer holds the sums. */
  void allReduce(int rank, long step, ByteBuffer buffer, int floats, BarrierTaskContext context) throws Exception {
    LocalRun r = runOf(rank);
    int member = rank - r.first;
    synchronized (lock) {
      failIfFailed();
      r.buffers[member] = buffer;
      r.floatsOf[member] = floats;
      r.postedStep[member] = step;
      lock.notifyAll();
    }
    if (member == 0) {
      lead(r, step, context);
    } else {
      await(() -> r.doneStep >= step, context, "replica " + rank + " waiting for its run's sums at step " + step);
    }
  }

  private void lead(LocalRun r, long step, BarrierTaskContext context) throws Exception {
    boolean last = r.index == runs - 1;
    boolean split = split();
    // Chain: a run is ready once the runs after it are (they receive what it forwards); split: each run on its own.
    await(() -> r.allPosted(step) && (split || last || r.readyFrom >= step), context,
        "run " + r.index + " waiting for its replicas and the next run at step " + step);
    synchronized (lock) {
      int floats = r.floatsOf[0];
      for (int m = 1; m < r.size; m++) {
        if (r.floatsOf[m] != floats) {
          throw new IllegalArgumentException("Replicas " + r.first + " and " + (r.first + m) + " reduce vectors of "
              + floats + " and " + r.floatsOf[m] + " floats");
        }
      }
      r.start(step, floats, chunkFloats, precision, runs);
    }
    if (split || r.index > 0) {
      int upstream = split ? 1 - r.index : r.index - 1;
      clientOf(upstream).send(SyncTransport.control(SyncTransport.READY, key, upstream, step, ""));
    }
    if (split) {
      await(() -> r.readyFrom >= step, context, "run " + r.index + " waiting for the other run at step " + step);
      // Run 0 sends the partial sums of the upper half (run 1 owns it), run 1 its values of the lower half (run 0's).
      int from = r.index == 0 ? r.splitChunk : 0;
      int to = r.index == 0 ? r.chunks : r.splitChunk;
      for (int c = from; c < to; c++) {
        await(() -> r.outstanding < window, context, "run " + r.index + " waiting for the other run to take chunks at step " + step);
        if (r.index == 0) {
          produceFirst(r, c);
        } else {
          produceLastRank(r, c);
        }
      }
    } else if (r.index == 0) {
      for (int c = 0; c < r.chunks; c++) {
        await(() -> runs == 1 || r.outstanding < window, context, "run 0 waiting for the next run to take chunks at step " + step);
        produceFirst(r, c);
      }
    }
    await(() -> r.chunksDone == r.chunks && r.outstanding == 0, context, "run " + r.index + " waiting for sums at step " + step);
    synchronized (lock) {
      r.doneStep = step;
      lock.notifyAll();
    }
  }

  /** Run 0: folds chunk c of its replicas (task thread) and pushes it on, or finishes it when alone. */
  private void produceFirst(LocalRun r, int c) throws Exception {
    int from = c * chunkFloats;
    int to = Math.min(r.floats, from + chunkFloats);
    boolean alone = runs == 1;
    boolean raw = !alone && r.size == 1 && precision == PeerAllReduce.Precision.FP32;
    if (!raw) {
      Scratch t = Scratch.get();
      FloatBuffer[] v = r.views;
      for (int at = from; at < to; at += Scratch.BLOCK) {
        int n = Math.min(Scratch.BLOCK, to - at);
        float[] acc = t.acc;
        v[0].get(at, acc, 0, n);
        for (int k = 0; k < n; k++) {
          acc[k] = 0f + acc[k];
        }
        for (int m = 1; m < r.size; m++) {
          t.addFrom(v[m], at, n);
        }
        if (alone || precision == PeerAllReduce.Precision.FP32) {
          v[0].put(at, acc, 0, n);
        } else {
          t.roundToBf16(n);
          r.wireShorts.put(at, t.bits, 0, n);
        }
      }
    }
    if (alone) {
      r.copyToReplicas(from, to);
      synchronized (lock) {
        r.chunksDone++;
      }
    } else {
      // The next run adds 0f first, which normalises a raw -0 exactly as the fold's 0 + x0 would.
      send(r, r.index + 1, PARTIAL, c, r.payload(from, to, precision));
    }
  }

  /** Split mode, run 1 (one replica, the last rank): pushes its own values of chunk c to run 0, which owns it. */
  private void produceLastRank(LocalRun r, int c) throws Exception {
    int from = c * chunkFloats;
    int to = Math.min(r.floats, from + chunkFloats);
    if (precision == PeerAllReduce.Precision.BF16) {
      r.encodeWire(from, to);
    }
    send(r, 0, LAST_RANK, c, r.payload(from, to, precision));
  }

  /**
   * Two runs, the second a single replica (one replica per executor on two executors, the common
   * case): a reduce-scatter and all-gather in halves instead of the chain, still the exact fold.
   * Run 1 folds the upper half ((fold of run 0) + x(N−1), from run 0's partial sums) and run 0
   * the lower half (its own fold + x(N−1), from run 1's values), each then sends its half's final
   * sums to the other: the same bytes per link as the chain, but both directions carry data
   * from the start and each side sums half.
   */
  private boolean split() {
    return splitAllowed && runs == 2 && runFirst[2] - runFirst[1] == 1;
  }

  /** The run whose fold completes chunk c (it then sends the final sums). */
  private int ownerOf(LocalRun r, int chunk) {
    return split() && chunk < r.splitChunk ? 0 : runs - 1;
  }

  private void send(LocalRun r, int targetRun, byte kind, int chunk, ByteBuffer data) throws IOException, InterruptedException {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ByteBuffer meta = ByteBuffer.allocate(4 + k.length + 1 + 4 + 8 + 4);
    meta.putInt(k.length).put(k).put(kind).putInt(targetRun).putLong(r.step).putInt(chunk).flip();
    synchronized (lock) {
      r.outstanding++;
      r.bytesSent += data.remaining();
    }
    clientOf(targetRun).uploadStream(new NioManagedBuffer(meta), new NioManagedBuffer(data), new RpcResponseCallback() {
      @Override
      public void onSuccess(ByteBuffer response) {
        synchronized (lock) {
          r.outstanding--;
          lock.notifyAll();
        }
      }

      @Override
      public void onFailure(Throwable e) {
        fail(new IllegalStateException("Pushing chunk " + chunk + " of step " + r.step + " to run " + targetRun + " at "
            + runHost[targetRun] + ":" + runPort[targetRun] + " failed: " + e, e), true);
      }
    });
  }

  /** The transport hands over an incoming chunk (I/O thread). */
  StreamCallbackWithID incoming(ByteBuffer meta) {
    byte kind = meta.get();
    int targetRun = meta.getInt();
    long step = meta.getLong();
    int chunk = meta.getInt();
    LocalRun r;
    synchronized (lock) {
      r = local.get(targetRun);
      if (failure != null) {
        throw new IllegalStateException("Gradient exchange " + key + " already failed: " + failure.getMessage());
      }
      if (r == null || r.step != step) {
        throw new IllegalStateException("Chunk " + chunk + " of step " + step + " for run " + targetRun + " of " + key
            + " arrived out of protocol (run at step " + (r == null ? "none" : r.step) + ")");
      }
    }
    return new ChunkReceiver(r, kind, chunk);
  }

  /** Folds (PARTIAL) or stores (FINAL) one chunk as its bytes arrive; finishes it on completion. */
  private final class ChunkReceiver implements StreamCallbackWithID {
    private final LocalRun r;
    private final byte kind;
    private final int chunk;
    private final int from;
    private final int to;
    private final int bytesPerFloat;
    private final ByteBuffer carry = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
    private int next;

    ChunkReceiver(LocalRun r, byte kind, int chunk) {
      this.r = r;
      this.kind = kind;
      this.chunk = chunk;
      this.from = chunk * chunkFloats;
      this.to = Math.min(r.floats, from + chunkFloats);
      this.bytesPerFloat = precision.bytes;
      this.next = from;
    }

    @Override
    public String getID() {
      return key + "/" + r.index + "/" + r.step + "/" + kind + "/" + chunk;
    }

    @Override
    public void onData(String streamId, ByteBuffer data) throws IOException {
      enter();
      try {
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        synchronized (lock) {
          r.bytesReceived += b.remaining();
        }
        if (kind == FINAL && bytesPerFloat == 4 && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN && carry.position() == 0
            && b.remaining() % 4 == 0) {
          int n = b.remaining() / 4;
          checkRoom(n);
          r.buffers[0].duplicate().position(next * 4).put(b);
          next += n;
          return;
        }
        if (carry.position() > 0) {
          while (carry.position() < bytesPerFloat && b.hasRemaining()) {
            carry.put(b.get());
          }
          if (carry.position() < bytesPerFloat) {
            return;
          }
          checkRoom(1);
          elements(carry, 0, 1);
          carry.clear();
        }
        int n = b.remaining() / bytesPerFloat;
        checkRoom(n);
        elements(b, b.position(), n);
        b.position(b.position() + n * bytesPerFloat);
        while (b.hasRemaining()) {
          carry.put(b.get());
        }
      } finally {
        exit();
      }
    }

    private void checkRoom(int n) throws IOException {
      if (next + n > to) {
        throw new IOException("Chunk " + chunk + " of step " + r.step + " carries more than its " + (to - from) + " floats");
      }
    }

    /** n wire values starting at byte {@code at} of {@code b}, for vector indices next.. . */
    private void elements(ByteBuffer b, int at, int n) {
      Scratch t = Scratch.get();
      FloatBuffer[] v = r.views;
      FloatBuffer leader = v[0];
      boolean bf16 = bytesPerFloat == 2;
      boolean last = r.index == ownerOf(r, chunk); // this run's fold is the final sum
      ByteBuffer src = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
      for (int done = 0; done < n; ) {
        int block = Math.min(Scratch.BLOCK, n - done);
        int i = next + done;
        float[] acc = t.acc;
        src.position(at + done * bytesPerFloat);
        if (bf16) {
          src.asShortBuffer().get(t.bits, 0, block);
          for (int k = 0; k < block; k++) {
            acc[k] = Float.intBitsToFloat(t.bits[k] << 16);
          }
        } else {
          src.asFloatBuffer().get(acc, 0, block);
        }
        if (kind == FINAL) {
          leader.put(i, acc, 0, block);
        } else {
          if (kind == LAST_RANK) {
            t.foldAfter(v, r.size, i, block); // ((0 + x0) + …) + x(N−1): this run's fold first, the received value last
          } else {
            t.foldOnto(v, r.size, i, block); // ((partial + 0) + x_first) + …: this run's replicas after the received sums
          }
          if (bf16) {
            if (last) { // every replica ends with the values on the wire
              t.roundToBf16AndBack(block);
              leader.put(i, acc, 0, block);
            } else {
              t.roundToBf16(block);
            }
            r.wireShorts.put(i, t.bits, 0, block);
          } else {
            leader.put(i, acc, 0, block);
          }
        }
        done += block;
      }
      next += n;
    }

    @Override
    public void onComplete(String streamId) throws IOException {
      enter();
      try {
        if (next != to || carry.position() != 0) {
          throw new IOException("Chunk " + chunk + " of step " + r.step + " ended after " + (next - from) + " of " + (to - from) + " floats");
        }
        boolean last = kind != FINAL && r.index == ownerOf(r, chunk);
        if (kind == FINAL || last) {
          r.copyToReplicas(from, to);
        }
        if (kind != FINAL) {
          // Partial sums go down the chain; the owner of the chunk (the last run, or in split mode either) sends the final
          // sums on: round the chain to run 0, which passes them on, or to the other half's run.
          int target = !last ? r.index + 1 : split() ? 1 - r.index : 0;
          send(r, target, last ? FINAL : PARTIAL, chunk, r.payload(from, to, precision));
        } else if (r.index + 1 < runs - 1) {
          if (precision == PeerAllReduce.Precision.BF16) {
            r.encodeWire(from, to); // exact: the final sums are bf16 values (this run's partials there were consumed)
          }
          send(r, r.index + 1, FINAL, chunk, r.payload(from, to, precision));
        }
        if (kind == FINAL || last) {
          synchronized (lock) {
            r.chunksDone++;
            lock.notifyAll();
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      } finally {
        exit();
      }
    }

    @Override
    public void onFailure(String streamId, Throwable cause) {
      fail(new IllegalStateException("Receiving chunk " + chunk + " of step " + r.step + " failed: " + cause, cause), true);
    }
  }

  private void enter() throws IOException {
    synchronized (lock) {
      if (failure != null) {
        throw new IOException("Gradient exchange " + key + " failed: " + failure.getMessage());
      }
      activeWorkers++;
    }
  }

  private void exit() {
    synchronized (lock) {
      activeWorkers--;
      lock.notifyAll();
    }
  }

  void downstreamReady(int run, long step) {
    synchronized (lock) {
      LocalRun r = local.get(run);
      if (r != null) {
        r.readyFrom = Math.max(r.readyFrom, step);
        lock.notifyAll();
      } else {
        // A peer configured and posted before this JVM finished configuring: keep it for the run.
        earlyReady.merge(run, step, Math::max);
      }
    }
  }

  void connectionLost(InetSocketAddress peer) {
    synchronized (lock) {
      if (!configured || failure != null || members == 0) {
        return;
      }
      for (int i = 0; i < runs; i++) {
        if (runPort[i] == peer.getPort() && (runHost[i].equals(peer.getHostString())
            || peer.getAddress() != null && runHost[i].equals(peer.getAddress().getHostAddress()))) {
          failLocked(new IllegalStateException("Lost the connection to the gradient endpoint of run " + i + " at " + peer
              + ": its executor is gone"));
          return;
        }
      }
    }
  }

  /** Records the first failure, wakes every waiter here and, for a local cause, tells the other runs. */
  void fail(Throwable cause, boolean tellPeers) {
    boolean first;
    synchronized (lock) {
      first = failure == null;
      failLocked(cause);
    }
    if (first && tellPeers && configured) {
      String text = "A peer replica of " + key + " failed: " + cause;
      synchronized (clients) {
        for (TransportClient c : clients.values()) {
          try {
            c.send(SyncTransport.control(SyncTransport.ABORT, key, -1, -1, text)); // asynchronous, never waits
          } catch (RuntimeException ignored) {
            // the peer may already be gone; it fails by itself then
          }
        }
      }
    }
  }

  private void failLocked(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    lock.notifyAll();
  }

  private void failIfFailed() {
    if (failure != null) {
      throw new IllegalStateException("Gradient exchange " + key + " failed: " + failure.getMessage(), failure);
    }
  }

  /** Waits (bounded) for a condition of the shared state, failing on a peer's failure, a kill, or the timeout. */
  private void await(BooleanSupplier condition, BarrierTaskContext context, String what) throws InterruptedException {
    long start = System.nanoTime();
    synchronized (lock) {
      while (!condition.getAsBoolean()) {
        failIfFailed();
        long waited = (System.nanoTime() - start) / 1_000_000;
        if (waited > timeoutMillis) {
          IllegalStateException e = new IllegalStateException("Gradient exchange " + key + ": " + what + " for " + waited
              + " ms (sync timeout " + timeoutMillis + " ms): a peer is gone or stuck; failing so Spark retries the stage");
          fail(e, true);
          throw e;
        }
        lock.wait(Math.min(100, Math.max(1, timeoutMillis - waited)));
        if (context != null) {
          context.killTaskIfInterrupted();
        }
      }
    }
  }

  long bytesSent(int rank) {
    synchronized (lock) {
      LocalRun r = local.get(runOfRank[rank]);
      return r != null && r.first == rank ? r.bytesSent : 0;
    }
  }

  long bytesReceived(int rank) {
    synchronized (lock) {
      LocalRun r = local.get(runOfRank[rank]);
      return r != null && r.first == rank ? r.bytesReceived : 0;
    }
  }

  /**
   * A replica leaves (close or abort). On abort, or a close after a failure: fail the exchange (peers are told, not awaited),
   * let an I/O thread finish the chunk it is writing (milliseconds), and close this exchange's
   * connections so no queued send reads the replicas' buffers any more. The last local replica
   * to leave releases the buffers and unregisters the exchange.
   */
  void leave(Throwable abortCause) {
    boolean failed;
    synchronized (lock) {
      failed = failure != null;
    }
    if (abortCause != null || failed) {
      if (abortCause != null) {
        fail(abortCause, true);
      }
      long deadline = System.nanoTime() + 2_000_000_000L;
      synchronized (lock) {
        while (activeWorkers > 0 && System.nanoTime() < deadline) {
          try {
            lock.wait(50);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
      }
      synchronized (clients) {
        for (TransportClient c : clients.values()) {
          c.getChannel().close(); // asynchronous
        }
        clients.clear();
      }
    }
    synchronized (lock) {
      members--;
      if (members <= 0) {
        transport.exchanges.remove(key, this);
        for (LocalRun r : local.values()) {
          r.release();
        }
      }
    }
  }

  /** Replicas of one run in this JVM; guarded by the exchange's lock except the element arrays. */
  private static final class LocalRun {
    final int index;
    final int first;
    final int size;
    final ByteBuffer[] buffers;
    final int[] floatsOf;
    final long[] postedStep;
    FloatBuffer[] views;
    ByteBuffer wire;
    java.nio.ShortBuffer wireShorts;
    long readyFrom = -1;
    long step = -1;
    long doneStep = -1;
    int floats;
    int chunks;
    /** Split mode: chunks below it are owned (folded to the end) by run 0, the others by run 1. */
    int splitChunk;
    int chunksDone;
    int outstanding;
    long bytesSent;
    long bytesReceived;

    LocalRun(int index, int first, int last) {
      this.index = index;
      this.first = first;
      this.size = last - first + 1;
      this.buffers = new ByteBuffer[size];
      this.floatsOf = new int[size];
      this.postedStep = new long[size];
      java.util.Arrays.fill(postedStep, -1);
    }

    boolean allPosted(long s) {
      for (long p : postedStep) {
        if (p != s) {
          return false;
        }
      }
      return true;
    }

    void start(long s, int n, int chunkFloats, PeerAllReduce.Precision precision, int runs) {
      step = s;
      floats = n;
      chunks = Math.max(1, (n + chunkFloats - 1) / chunkFloats);
      splitChunk = chunks / 2;
      chunksDone = 0;
      if (views == null || views.length != size) {
        views = new FloatBuffer[size];
      }
      for (int m = 0; m < size; m++) {
        views[m] = buffers[m].duplicate().position(0).order(ByteOrder.nativeOrder()).asFloatBuffer();
      }
      if (precision == PeerAllReduce.Precision.BF16 && runs > 1 && (wire == null || wire.capacity() < 2L * n)) {
        wire = ByteBuffer.allocateDirect(2 * n).order(ByteOrder.LITTLE_ENDIAN); // once per stage (or a larger vector)
        wireShorts = wire.asShortBuffer();
      }
    }

    /** The bytes to push for floats [from, to): a slice of the leader's buffer (fp32) or of the bf16 buffer. */
    ByteBuffer payload(int from, int to, PeerAllReduce.Precision precision) {
      if (precision == PeerAllReduce.Precision.FP32) {
        return buffers[0].duplicate().limit(to * 4).position(from * 4).slice();
      }
      return wire.duplicate().limit(to * 2).position(from * 2).slice();
    }

    void encodeWire(int from, int to) {
      Scratch t = Scratch.get();
      for (int at = from; at < to; at += Scratch.BLOCK) {
        int n = Math.min(Scratch.BLOCK, to - at);
        views[0].get(at, t.acc, 0, n);
        t.roundToBf16(n);
        wireShorts.put(at, t.bits, 0, n);
      }
    }

    void copyToReplicas(int from, int to) {
      for (int m = 1; m < size; m++) {
        buffers[m].duplicate().position(from * 4).put(buffers[0].duplicate().limit(to * 4).position(from * 4));
      }
    }

    void release() {
      views = null;
      wire = null;
      wireShorts = null;
      java.util.Arrays.fill(buffers, null);
    }
  }

  /**
   * Per-thread blocks the folds work in: bulk copies in and out of the direct buffers, and plain
   * array loops in between, which the JIT vectorizes (element-wise buffer access it does not).
   */
  private static final class Scratch {
    static final int BLOCK = 8192;
    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    final float[] acc = new float[BLOCK];
    final float[] in = new float[BLOCK];
    final float[] received = new float[BLOCK];
    final short[] bits = new short[BLOCK];

    static Scratch get() {
      return OF_THREAD.get();
    }

    /** acc[k] += x[at + k]: one more replica in rank order. */
    void addFrom(FloatBuffer x, int at, int n) {
      x.get(at, in, 0, n);
      for (int k = 0; k < n; k++) {
        acc[k] += in[k];
      }
    }

    /** acc[k] = ((acc[k] + 0) + x0[k]) + x1[k] + …: a received partial sum, then this run's replicas (one pass for the first). */
    void foldOnto(FloatBuffer[] x, int size, int at, int n) {
      x[0].get(at, in, 0, n);
      for (int k = 0; k < n; k++) {
        acc[k] = (acc[k] + 0f) + in[k];
      }
      for (int m = 1; m < size; m++) {
        addFrom(x[m], at, n);
      }
    }

    /** acc[k] = (((0 + x0[k]) + x1[k]) + …) + received[k], the received wire values being in acc. */
    void foldAfter(FloatBuffer[] x, int size, int at, int n) {
      if (size == 1) { // one pass; a + b == b + a exactly in IEEE arithmetic
        x[0].get(at, in, 0, n);
        for (int k = 0; k < n; k++) {
          acc[k] = (0f + in[k]) + acc[k];
        }
        return;
      }
      System.arraycopy(acc, 0, received, 0, n);
      x[0].get(at, acc, 0, n);
      for (int k = 0; k < n; k++) {
        acc[k] = 0f + acc[k];
      }
      for (int m = 1; m < size; m++) {
        addFrom(x[m], at, n);
      }
      for (int k = 0; k < n; k++) {
        acc[k] += received[k];
      }
    }

    /** {@link #roundToBf16} and acc[k] replaced by the value it rounds to, in one pass. */
    void roundToBf16AndBack(int n) {
      for (int k = 0; k < n; k++) {
        short b = Bf16.round(acc[k]);
        bits[k] = b;
        acc[k] = Bf16.toFloat(b);
      }
    }

    void roundToBf16(int n) {
      for (int k = 0; k < n; k++) {
        bits[k] = Bf16.round(acc[k]);
      }
    }
  }
}
