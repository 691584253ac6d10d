package org.geodecoder.jobs.score;

import ai.djl.Device;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.model.DeviceSpec;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.io.ModelCheckpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models of one executor JVM: each (model directory, device) is loaded once and shared by
 * every task of the executor that scores with it.
 *
 * <p><b>Concurrency.</b> One model per (executor, model, device), and its use serialised by a
 * fair lock ({@link Lease#lock()}): on a GPU the forward pass, on the CPU the transforms and the
 * forward pass of a batch (see {@link PartitionScorer}); tasks read and decode their images
 * outside the lock, so one task's forward overlaps the others' decoding. Why not one model per
 * task slot: {@link GeoModel} is not thread-safe, a copy per slot multiplies the weights' memory
 * by the executor's cores (swin_base: 350 MB each, plus its activations), and it would not be
 * faster: on CPU, libtorch already spreads one forward over the executor's cores (intra-op
 * threads), so concurrent forwards only oversubscribe them; on GPU, kernels of one process run
 * one after the other on the device anyway, and Spark normally gives each task its own GPU
 * (another address, another key, another model, no contention). The time tasks wait for the
 * lock is measured and reported (forward_wait), so a run shows when the model is the
 * bottleneck.
 *
 * <p><b>Loading.</b> Loads are serialised per JVM. A directory on a local filesystem is read in
 * place; any other (HDFS, S3A, …) is first copied to a local temporary directory, which is
 * deleted once the parameters are in memory. The key includes the parameter file's length and
 * modification time, so a model rewritten at the same URI is loaded again. Models of other
 * URIs that no task is using are closed when a new model is loaded: an executor keeps the
 * models of the job it runs, not of every job it ever ran.
 *
 * <p>Shared by every job that runs a model on executors (score, explain).
 */
public final class ModelCache {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCache.class);
  private static final Map<Key, Entry> ENTRIES = new LinkedHashMap<>();
  private static long loads;

  private ModelCache() {}

  private record Key(String uri, long length, long modified, String device) {}

  private static final class Entry {
    final GeoModel model;
    final ReentrantLock lock = new ReentrantLock(true);
    int users;

    Entry(GeoModel model) {
      this.model = model;
    }
  }

  /** A task's use of a cached model; close it when the task ends. */
  public static final class Lease implements AutoCloseable {
    private final Key key;
    private final Entry entry;
    private boolean closed;

    private Lease(Key key, Entry entry) {
      this.key = key;
      this.entry = entry;
    }

    /** Use only while holding {@link #lock()}. */
    public GeoModel model() {
      return entry.model;
    }

    /** Serialises forward passes on the model. */
    public ReentrantLock lock() {
      return entry.lock;
    }

    @Override
    public void close() {
      synchronized (ModelCache.class) {
        if (!closed) {
          closed = true;
          entry.users--;
        }
      }
    }

    @Override
    public String toString() {
      return key.uri() + " on " + key.device();
    }
  }

  /**
   * The model of {@code uri} on {@code device}, loaded on first use in this JVM.
   *
   * @throws UncheckedIOException when the directory cannot be read
   * @throws IllegalArgumentException when model.json and the parameters do not match
   */
  public static Lease acquire(HadoopConf conf, String uri, Device device) {
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(uri);
    Key key;
    FileSystem fs;
    try {
      fs = dir.getFileSystem(conf.get());
      dir = fs.makeQualified(dir);
      FileStatus params = fs.getFileStatus(new org.apache.hadoop.fs.Path(dir, ModelCheckpoint.PARAMETERS_FILE));
      key = new Key(dir.toString(), params.getLen(), params.getModificationTime(), DeviceSpec.format(device));
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read model directory " + uri, e);
    }
    synchronized (ModelCache.class) {
      Entry entry = ENTRIES.get(key);
      if (entry == null) {
        closeIdleModelsOtherThan(key);
        entry = new Entry(load(fs, dir, device));
        loads++;
        ENTRIES.put(key, entry);
      }
      entry.users++;
      return new Lease(key, entry);
    }
  }

  /** How many times this JVM loaded a model (for tests). */
  static synchronized long loads() {
    return loads;
  }

  /** Closes idle models of other URIs, and of this URI with other parameter files (rewritten). */
  private static void closeIdleModelsOtherThan(Key key) {
    Iterator<Map.Entry<Key, Entry>> it = ENTRIES.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Key, Entry> e = it.next();
      Key k = e.getKey();
      boolean sameFiles = k.uri().equals(key.uri()) && k.length() == key.length() && k.modified() == key.modified();
      if (e.getValue().users == 0 && !sameFiles) {
        LOG.info("Closing idle model {} on {}", k.uri(), k.device());
        e.getValue().model.close();
        it.remove();
      }
    }
  }

  private static GeoModel load(FileSystem fs, org.apache.hadoop.fs.Path dir, Device device) {
    limitIntraOpThreads();
    long t0 = System.nanoTime();
    boolean local = "file".equals(dir.toUri().getScheme());
    Path localDir = null;
    try {
      if (local) {
        localDir = Path.of(dir.toUri());
      } else {
        localDir = Files.createTempDirectory("geodecoder-model-");
        for (String name : new String[] {ModelCheckpoint.CONFIG_FILE, ModelCheckpoint.PARAMETERS_FILE}) {
          fs.copyToLocalFile(false, new org.apache.hadoop.fs.Path(dir, name),
              new org.apache.hadoop.fs.Path(localDir.resolve(name).toUri()), true);
        }
      }
      GeoModel model = GeoModel.load(localDir, device);
      LOG.info("Loaded model {} ({} parameters) on {} in {} s{}", dir, model.parameterCount(), DeviceSpec.format(device),
          String.format("%.1f", (System.nanoTime() - t0) / 1e9), local ? "" : " (copied to a local directory)");
      return model;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy model " + dir + " to a local directory", e);
    } finally {
      if (!local && localDir != null) {
        deleteQuietly(localDir);
      }
    }
  }

  /**
   * On a cluster executor libtorch would use every core of the machine for one forward pass;
   * limit it to the executor's cores (spark.executor.cores), unless set explicitly. Has an
   * effect only before the engine starts (the first model of the JVM).
   */
  private static void limitIntraOpThreads() {
    SparkEnv env = SparkEnv.get();
    if (env == null || System.getProperty("ai.djl.pytorch.num_threads") != null || !env.conf().contains("spark.executor.cores")
        || "driver".equals(env.executorId())) {
      return;
    }
    System.setProperty("ai.djl.pytorch.num_threads", env.conf().get("spark.executor.cores"));
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.debug("Cannot delete {}", dir, e);
    }
  }
}
