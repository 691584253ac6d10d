package org.geodecoder.jobs.train.sync;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.RpcResponseCallback;
import org.apache.spark.network.client.StreamCallbackWithID;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.netty.SparkTransportConf;
import org.apache.spark.network.server.OneForOneStreamManager;
import org.apache.spark.network.server.RpcHandler;
import org.apache.spark.network.server.StreamManager;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.server.TransportServerBootstrap;
import org.apache.spark.network.util.TransportConf;
import scala.Option;

/**
 * One gradient-exchange endpoint per executor JVM on Spark's own transport ({@code
 * spark-network-common}, the layer under the block transfer service), set up the way Spark sets
 * up its block transfer service: the same {@code spark.shuffle.io.*} tuning, and when {@code
 * spark.authenticate} is on, Spark's auth bootstrap on both ends (so {@code
 * spark.network.crypto.enabled} encrypts gradients as it encrypts shuffle blocks; SSL too when
 * {@code spark.ssl.rpc.enabled}). A peer without the application's secret cannot connect.
 *
 * <p>Data moves as {@link TransportClient#uploadStream} pushes: the receiver gets the bytes
 * piece by piece as netty reads them (no frame reassembly, no copy into a temporary buffer) and
 * the sender's callback fires once the receiver has consumed them. Small control messages
 * (ready, abort) are one-way {@link TransportClient#send}s.
 *
 * <p>Kept for the life of the executor (like the block transfer service); rebuilt when the
 * JVM's {@link SparkEnv} changes (local-mode tests run several applications in one JVM).
 */
final class SyncTransport {
  static final byte READY = 1;
  static final byte ABORT = 2;

  private static SyncTransport current;

  private final SparkEnv env;
  private final TransportContext context;
  private final TransportServer server;
  private final TransportClientFactory clients;
  private final String host;
  final Map<String, PeerExchange> exchanges = new ConcurrentHashMap<>();

  private SyncTransport(SparkEnv env) {
    this.env = env;
    SparkConf conf = env.conf();
    SecurityManager security = env.securityManager();
    int cores = conf.getInt("spark.executor.cores", Runtime.getRuntime().availableProcessors());
    TransportConf transportConf = SparkTransportConf.fromSparkConf(conf, "shuffle", cores, Option.empty(),
        Option.apply(security.getRpcSSLOptions()));
    this.context = new TransportContext(transportConf, new Handler(), false);
    List<TransportServerBootstrap> serverBootstraps = List.of();
    List<TransportClientBootstrap> clientBootstraps = List.of();
    if (security.isAuthenticationEnabled()) {
      serverBootstraps = List.of(new AuthServerBootstrap(transportConf, security));
      clientBootstraps = List.of(new AuthClientBootstrap(transportConf, conf.getAppId(), security));
    }
    this.host = env.blockManager().blockManagerId().host();
    this.server = context.createServer(host, 0, serverBootstraps);
    this.clients = context.createClientFactory(clientBootstraps);
  }

  /** This JVM's endpoint, started on first use. */
  static synchronized SyncTransport get() {
    SparkEnv env = SparkEnv.get();
    if (current == null || current.env != env) {
      if (current != null) {
        current.close();
      }
      current = new SyncTransport(env);
    }
    return current;
  }

  /** Exchanges of this JVM not yet closed by all their local replicas (0 after a clean end). */
  static synchronized int openExchanges() {
    return current == null ? 0 : current.exchanges.size();
  }

  String host() {
    return host;
  }

  int port() {
    return server.getPort();
  }

  String executorId() {
    return env.executorId();
  }

  TransportClient client(String peerHost, int peerPort) throws IOException, InterruptedException {
    return clients.createClient(peerHost, peerPort);
  }

  private void close() {
    clients.close();
    server.close();
    context.close();
  }

  static ByteBuffer control(byte type, String key, int run, long step, String text) {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    byte[] t = text.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(1 + 4 + k.length + 4 + 8 + 4 + t.length);
    b.put(type).putInt(k.length).put(k).putInt(run).putLong(step).putInt(t.length).put(t).flip();
    return b;
  }

  static String readString(ByteBuffer b) {
    byte[] s = new byte[b.getInt()];
    b.get(s);
    return new String(s, StandardCharsets.UTF_8);
  }

  private final class Handler extends RpcHandler {
    private final StreamManager streams = new OneForOneStreamManager();

    @Override
    public void receive(TransportClient client, ByteBuffer message, RpcResponseCallback callback) {
      byte type = message.get();
      String key = readString(message);
      int run = message.getInt();
      long step = message.getLong();
      String text = readString(message);
      PeerExchange exchange = exchanges.get(key);
      if (exchange == null) {
        return; // a late message for an exchange that ended here
      }
      if (type == READY) {
        exchange.downstreamReady(run, step);
      } else if (type == ABORT) {
        exchange.fail(new IllegalStateException(text), false);
      }
    }

    @Override
    public StreamCallbackWithID receiveStream(TransportClient client, ByteBuffer meta, RpcResponseCallback callback) {
      String key = readString(meta);
      PeerExchange exchange = exchanges.get(key);
      if (exchange == null) {
        throw new IllegalStateException("No gradient exchange " + key + " in executor " + executorId());
      }
      return exchange.incoming(meta);
    }

    @Override
    public void channelInactive(TransportClient client) {
      SocketAddress address = client.getSocketAddress();
      if (address instanceof InetSocketAddress peer) {
        for (PeerExchange exchange : exchanges.values()) {
          exchange.connectionLost(peer);
        }
      }
    }

    @Override
    public StreamManager getStreamManager() {
      return streams;
    }
  }
}
