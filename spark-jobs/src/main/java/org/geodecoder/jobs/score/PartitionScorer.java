package org.geodecoder.jobs.score;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.util.TaskCompletionListener;
import org.geodecoder.jobs.io.TaskDevices;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.DeviceSpec;
import org.geodecoder.model.Precision;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.inference.Prediction;
import org.geodecoder.model.transform.ImageDecodeException;
import org.geodecoder.model.transform.ImageDecoder;
import org.geodecoder.model.transform.ImageTransforms;

/**
 * Scores the images of one partition: pulls rows, asks the row layout ({@link Rows}) for each
 * row's image (encoded bytes, raw pixels, or a reason it has none), checks and decodes it (Java),
 * then per batch of up to batch-size images applies the eval transform (centre crop or TenCrop),
 * stacks them and runs the executor's shared model ({@link ModelCache}); yields one row per input
 * row, in input order: the layout's prediction row, or its reject row with a reason. Lazy: one
 * batch of images in memory, and the model is loaded only when a partition holds a decodable
 * image. The one code path of batch scoring: the ML stage ({@code GeoLocatorModel}) runs it, and
 * the score job runs that stage.
 *
 * <p>On the CPU the transforms and the forward pass of a batch run under the model's lock, so
 * an executor's libtorch work never runs in two tasks at once (see {@code Scoring.score}); decoding,
 * reading and writing overlap it in the other tasks. On a GPU only the forward pass does.
 *
 * <p>Rejects use ingest's reason codes: {@code zero_size}, {@code not_an_image}, {@code
 * truncated_image}, {@code corrupt_header} (by {@link ImageProbe}, the same check ingest does),
 * {@code undecodable_image} (the decoder or the transform failed), {@code file_too_large}, and
 * whatever reason the layout gives for a row without an image ({@code missing_file}, {@code
 * unreadable_file}, {@code corrupt_archive_member}, {@code null_image}, …).
 */
public final class PartitionScorer implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;
  /** A partition holding long runs of rejects hands them on in bounded groups. */
  private static final int MAX_QUEUED_ROWS = 4096;

  /** What every task needs; small and serialisable. */
  public record Settings(String modelUri, String device, int imageSize, int batchSize, int topK, boolean tenCrop,
      long maxImageBytes, HadoopConf conf, Precision precision) implements Serializable {}

  /**
   * An image as a row holds it: encoded bytes (JPEG/PNG), or decoded pixels, or neither and the
   * reason why (with a detail, which may be null).
   */
  public record ImageInput(byte[] encoded, Pixels pixels, String reason, String detail) {
    public static ImageInput encoded(byte[] bytes) {
      return new ImageInput(bytes, null, null, null);
    }

    public static ImageInput decoded(Pixels pixels) {
      return new ImageInput(null, pixels, null, null);
    }

    public static ImageInput rejected(String reason, String detail) {
      return new ImageInput(null, null, reason, detail);
    }
  }

  /**
   * Decoded pixels in the layout of Spark's {@code image} data source: rows top to bottom, each
   * pixel's channels in OpenCV order (B, G, R[, A]), or one grey channel.
   */
  public record Pixels(int height, int width, int channels, byte[] data) {
    /** {@code [H, W, 3]} uint8 RGB, like {@link ImageDecoder#decode}. */
    NDArray toRgb(NDManager manager) {
      if (height <= 0 || width <= 0 || (channels != 1 && channels != 3 && channels != 4)
          || data == null || (long) height * width * channels != data.length) {
        throw new ImageDecodeException(ImageDecodeException.Reason.CORRUPT, "not a decoded image: height " + height + ", width "
            + width + ", " + channels + " channels, " + (data == null ? 0 : data.length) + " bytes", null);
      }
      // Hand-written: a channel reorder of one image; no library call does BGR(A)/grey → RGB on a byte[].
      byte[] rgb = new byte[height * width * 3];
      for (int p = 0, q = 0; q < rgb.length; p += channels, q += 3) {
        if (channels == 1) {
          rgb[q] = data[p];
          rgb[q + 1] = data[p];
          rgb[q + 2] = data[p];
        } else {
          rgb[q] = data[p + 2];
          rgb[q + 1] = data[p + 1];
          rgb[q + 2] = data[p];
        }
      }
      return manager.create(java.nio.ByteBuffer.wrap(rgb), new ai.djl.ndarray.types.Shape(height, width, 3),
          ai.djl.ndarray.types.DataType.UINT8);
    }
  }

  /** The layout of the rows scored: where each row's image is, and the rows to emit. */
  public interface Rows extends Serializable {
    ImageInput image(Row in);

    /** @param cellTokens S2 token of every finest class, or null */
    Row prediction(Row in, Prediction p, ClassHierarchy hierarchy, String[] cellTokens);

    Row reject(Row in, String reason, String detail);
  }

  private final Settings settings;
  private final Rows layout;
  private final Broadcast<String[]> cellTokens;
  private final TaskTimes times;

  /**
   * @param cellTokens S2 token of every finest class, or null (cell ids are then null)
   * @param times where to add the tasks' phase times, or null
   */
  public PartitionScorer(Settings settings, Rows layout, Broadcast<String[]> cellTokens, TaskTimes times) {
    this.settings = settings;
    this.layout = layout;
    this.cellTokens = cellTokens;
    this.times = times;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    return new Scoring(rows);
  }

  /** The lazy per-partition iterator. */
  private final class Scoring implements Iterator<Row> {
    private final Iterator<Row> input;
    private final ArrayDeque<Row> ready = new ArrayDeque<>();
    private NDManager cpu;
    private ImageTransforms transforms;
    private ModelCache.Lease lease;
    private Device device;
    private long readNanos;
    private long decodeNanos;
    private long forwardNanos;
    private long waitNanos;
    private boolean closed;

    Scoring(Iterator<Row> input) {
      this.input = input;
      TaskContext context = TaskContext.get();
      if (context != null) {
        context.addTaskCompletionListener(new TaskCompletionListener() {
          @Override
          public void onTaskCompletion(TaskContext c) {
            close();
          }
        });
      }
    }

    @Override
    public boolean hasNext() {
      if (ready.isEmpty()) {
        fill();
      }
      return !ready.isEmpty();
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return ready.poll();
    }

    /** Reads input rows until a batch is full (then runs it) or the input ends. */
    private void fill() {
      if (closed) {
        return;
      }
      List<Row> rows = new ArrayList<>(settings.batchSize());
      List<NDArray> decoded = new ArrayList<>(settings.batchSize());
      NDManager batch = null;
      try {
        while (rows.size() < settings.batchSize() && ready.size() < MAX_QUEUED_ROWS) {
          long t0 = System.nanoTime();
          boolean more = input.hasNext();
          Row row = more ? input.next() : null;
          readNanos += System.nanoTime() - t0;
          if (row == null) {
            break;
          }
          long t1 = System.nanoTime();
          ImageInput image = layout.image(row);
          if (image.reason() != null) {
            ready.add(layout.reject(row, image.reason(), image.detail()));
            continue;
          }
          byte[] bytes = image.encoded();
          long size = bytes != null ? bytes.length : image.pixels().data() == null ? 0 : image.pixels().data().length;
          if (size > settings.maxImageBytes()) {
            ready.add(layout.reject(row, ImageProbe.Reason.TOO_LARGE.code, size + " bytes"));
            continue;
          }
          if (batch == null) {
            batch = cpuManager().newSubManager();
          }
          try {
            if (bytes != null) {
              ImageProbe.probe(bytes); // ingest's check: truncated files are rejected, not half-decoded
              decoded.add(ImageDecoder.decode(bytes, batch)); // [H, W, 3] uint8; Java only
            } else {
              decoded.add(image.pixels().toRgb(batch));
            }
            rows.add(row);
          } catch (ImageProbe.RejectedImageException e) {
            ready.add(layout.reject(row, e.reason().code, e.getMessage()));
          } catch (ImageDecodeException e) {
            ready.add(layout.reject(row, ImageProbe.Reason.UNDECODABLE.code, e.getMessage()));
          }
          decodeNanos += System.nanoTime() - t1;
        }
        if (!rows.isEmpty()) {
          score(rows, decoded, batch);
        }
      } finally {
        if (batch != null) {
          batch.close();
        }
      }
      if (ready.isEmpty()) {
        close(); // input exhausted: free the model and native memory before the task ends
      }
    }

    /**
     * Transforms, stacks and runs one batch. On the CPU all of it holds the model's lock, so the
     * executor's libtorch work never runs in two tasks at once: each task's ops would start
     * their own OpenMP team over all cores, and concurrent teams oversubscribe them (a 256-px
     * centre crop measured 0.7 ms alone, 15 ms beside other libtorch work). Decoding (Java)
     * stays outside. On a GPU only the forward pass holds it.
     */
    private void score(List<Row> rows, List<NDArray> decoded, NDManager batch) {
      ModelCache.Lease model = lease();
      boolean cpuWork = !device.isGpu();
      if (cpuWork) {
        lockModel(model);
      }
      try {
        long t0 = System.nanoTime();
        List<Row> kept = new ArrayList<>(rows.size());
        NDList tensors = new NDList(rows.size());
        for (int i = 0; i < rows.size(); i++) {
          // Per-image manager: a large photo's intermediates are freed at once, not at batch end.
          try (NDManager image = batch.newSubManager()) {
            NDArray hwc = decoded.get(i);
            hwc.attach(image);
            NDArray x = settings.tenCrop() ? transforms().evalTenCrop(hwc) : transforms().evalCenter(hwc);
            x.attach(batch);
            tensors.add(x);
            kept.add(rows.get(i));
          } catch (RuntimeException e) {
            // Pixels the transforms cannot handle: one bad image, not a failed job (an engine
            // failing on every image shows up in the reject fraction, with this detail).
            ready.add(layout.reject(rows.get(i), ImageProbe.Reason.UNDECODABLE.code, "transform failed: " + e));
          }
        }
        decodeNanos += System.nanoTime() - t0;
        if (kept.isEmpty()) {
          return;
        }
        long t1 = System.nanoTime();
        NDArray stacked = NDArrays.stack(tensors); // [B, 3, I, I] or [B, 10, 3, I, I]
        decodeNanos += System.nanoTime() - t1;
        if (!cpuWork) {
          lockModel(model);
        }
        long t2 = System.nanoTime();
        List<Prediction> predictions;
        try {
          NDArray x = device.isGpu() ? stacked.toDevice(device, false) : stacked;
          GeoPredictor predictor = new GeoPredictor(model.model(), settings.topK(), settings.precision());
          predictions = settings.tenCrop() ? predictor.predictCrops(x) : predictor.predict(x);
        } finally {
          forwardNanos += System.nanoTime() - t2;
          if (!cpuWork) {
            model.lock().unlock();
          }
        }
        ClassHierarchy hierarchy = model.model().config().hierarchy();
        String[] tokens = cellTokens == null ? null : cellTokens.value();
        for (int i = 0; i < kept.size(); i++) {
          ready.add(layout.prediction(kept.get(i), predictions.get(i), hierarchy, tokens));
        }
      } finally {
        if (cpuWork) {
          model.lock().unlock();
        }
      }
    }

    private void lockModel(ModelCache.Lease model) {
      long t = System.nanoTime();
      model.lock().lock();
      waitNanos += System.nanoTime() - t;
    }

    private ImageTransforms transforms() {
      if (transforms == null) {
        transforms = ImageTransforms.forImageSize(settings.imageSize());
      }
      return transforms;
    }

    private ModelCache.Lease lease() {
      if (lease == null) {
        device = TaskDevices.pick(settings.device(), TaskContext.get());
        lease = ModelCache.acquire(settings.conf(), settings.modelUri(), device);
        org.apache.spark.SparkEnv env = org.apache.spark.SparkEnv.get();
        if (times != null) {
          times.models.add((env == null ? "driver" : env.executorId()) + "/" + DeviceSpec.format(device));
        }
      }
      return lease;
    }

    private NDManager cpuManager() {
      if (cpu == null) {
        cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch");
      }
      return cpu;
    }

    private void close() {
      if (closed) {
        return;
      }
      closed = true;
      if (cpu != null) {
        cpu.close();
      }
      if (lease != null) {
        lease.close();
      }
      if (times != null) {
        times.read.add(readNanos);
        times.decode.add(decodeNanos);
        times.forward.add(forwardNanos);
        times.forwardWait.add(waitNanos);
      }
    }
  }
}
