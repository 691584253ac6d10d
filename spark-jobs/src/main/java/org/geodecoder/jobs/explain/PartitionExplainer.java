package org.geodecoder.jobs.explain;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.eval.report.ExplainPanel;
import org.geodecoder.eval.report.TopKMap;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.io.HadoopConf;
import org.geodecoder.jobs.io.TaskDevices;
import org.geodecoder.jobs.score.ModelCache;
import org.geodecoder.jobs.score.ScoreInput;
import org.geodecoder.model.inference.CellPrediction;
import org.geodecoder.model.inference.Explanation;
import org.geodecoder.model.Precision;
import org.geodecoder.model.inference.GeoPredictor;
import org.geodecoder.model.transform.ImageDecodeException;
import org.geodecoder.model.transform.ImageDecoder;
import org.geodecoder.model.transform.ImageTransforms;

/**
 * Explains the images of one partition ({@link ScoreInput#SCHEMA} rows): checks and decodes each
 * image as the score job does (same reject reasons), runs batches through the executor's shared
 * model ({@link ModelCache}, one load per executor) with {@link GeoPredictor#explain}, renders
 * one {@link ExplainPanel} per image and writes it to {@code <output>/panels/}; yields one
 * {@link #SCHEMA} row per input row: the prediction and the panel's file name, or a reject with
 * its reason. A panel that cannot be drawn is a reject ({@code explain_failed}), not a failed job.
 */
final class PartitionExplainer implements FlatMapFunction<Iterator<Row>, Row> {
  private static final long serialVersionUID = 1L;
  static final String EXPLAIN_FAILED = "explain_failed";

  static final StructType SCHEMA = new StructType()
      .add("id", DataTypes.StringType, false)
      .add("source", DataTypes.StringType, true)
      .add("reason", DataTypes.StringType, true)
      .add("detail", DataTypes.StringType, true)
      .add("panel", DataTypes.StringType, true)
      .add("lat", DataTypes.DoubleType, true)
      .add("lon", DataTypes.DoubleType, true)
      .add("cell_id", DataTypes.StringType, true)
      .add("class_label", DataTypes.IntegerType, true)
      .add("probability", DataTypes.DoubleType, true)
      .add("scene", DataTypes.IntegerType, true)
      .add("scene_confidence", DataTypes.DoubleType, true)
      .add("least_scene", DataTypes.IntegerType, true)
      .add("least_scene_confidence", DataTypes.DoubleType, true)
      .add("true_lat", DataTypes.DoubleType, true)
      .add("true_lon", DataTypes.DoubleType, true)
      .add("error_km", DataTypes.DoubleType, true);

  /** What every task needs; small and serialisable. */
  record Settings(String modelUri, String device, int imageSize, int batchSize, int topK, int[] hierarchies,
      String[] cellTokens, String[] sceneNames, String panelsUri, long maxImageBytes, HadoopConf conf,
      Precision precision) implements Serializable {}

  private final Settings settings;

  PartitionExplainer(Settings settings) {
    this.settings = settings;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    List<Row> out = new ArrayList<>();
    List<Row> batch = new ArrayList<>();
    try (NDManager cpu = NDManager.newBaseManager(Device.cpu(), "PyTorch"); Work work = new Work()) {
      while (rows.hasNext()) {
        Row row = rows.next();
        String reason = row.getString(ScoreInput.REASON);
        byte[] bytes = reason == null ? (byte[]) row.get(ScoreInput.IMAGE) : null;
        if (reason != null) {
          out.add(reject(row, reason, row.getString(ScoreInput.DETAIL)));
        } else if (bytes != null && bytes.length > settings.maxImageBytes()) {
          out.add(reject(row, ImageProbe.Reason.TOO_LARGE.code, bytes.length + " bytes"));
        } else {
          batch.add(row);
          if (batch.size() == settings.batchSize()) {
            work.explain(batch, cpu, out);
            batch.clear();
          }
        }
      }
      if (!batch.isEmpty()) {
        work.explain(batch, cpu, out);
      }
    }
    return out.iterator(); // at most --max-images rows in all: small
  }

  /** The model lease and the filesystem of one task, opened on the first decodable image. */
  private final class Work implements AutoCloseable {
    private ModelCache.Lease lease;
    private Device device;
    private FileSystem fs;
    private ImageTransforms transforms;

    void explain(List<Row> rows, NDManager cpu, List<Row> out) {
      try (NDManager batch = cpu.newSubManager()) {
        List<Row> kept = new ArrayList<>();
        NDList tensors = new NDList();
        for (Row row : rows) {
          byte[] bytes = (byte[]) row.get(ScoreInput.IMAGE);
          try {
            ImageProbe.probe(bytes); // the score job's check: truncated files are rejected, not half-decoded
            tensors.add(transforms().evalCenter(ImageDecoder.decode(bytes, batch))); // [3, I, I]
            kept.add(row);
          } catch (ImageProbe.RejectedImageException e) {
            out.add(reject(row, e.reason().code, e.getMessage()));
          } catch (ImageDecodeException e) {
            out.add(reject(row, ImageProbe.Reason.UNDECODABLE.code, e.getMessage()));
          } catch (RuntimeException e) {
            out.add(reject(row, ImageProbe.Reason.UNDECODABLE.code, "transform failed: " + e));
          }
        }
        if (kept.isEmpty()) {
          return;
        }
        ModelCache.Lease model = lease();
        NDArray stacked = NDArrays.stack(tensors); // [B, 3, I, I]
        float[] pixels = stacked.toFloatArray();
        List<Explanation> explanations;
        model.lock().lock();
        try {
          NDArray x = device.isGpu() ? stacked.toDevice(device, false) : stacked;
          explanations = new GeoPredictor(model.model(), settings.topK(), settings.precision()).explain(x);
        } finally {
          model.lock().unlock();
        }
        int size = settings.imageSize();
        for (int i = 0; i < kept.size(); i++) {
          out.add(panel(kept.get(i), explanations.get(i), pixels, i, size));
        }
      }
    }

    private Row panel(Row row, Explanation e, float[] pixels, int index, int size) {
      int[] hs = settings.hierarchies();
      int chosen = e.prediction().scene();
      int least = e.leastConfidentScene();
      float[][] chosenMaps = new float[hs.length][];
      float[][] leastMaps = new float[hs.length][];
      for (int k = 0; k < hs.length; k++) {
        chosenMaps[k] = e.attention(hs[k] - 1, chosen).weights();
        leastMaps[k] = e.attention(hs[k] - 1, least).weights();
      }
      List<TopKMap.Cell> cells = new ArrayList<>();
      for (CellPrediction c : e.prediction().cells()) {
        cells.add(new TopKMap.Cell(c.latDegrees(), c.lonDegrees(), c.probability()));
      }
      boolean truth = !row.isNullAt(ScoreInput.TRUE_LAT) && !row.isNullAt(ScoreInput.TRUE_LON);
      double trueLat = truth ? row.getDouble(ScoreInput.TRUE_LAT) : Double.NaN;
      double trueLon = truth ? row.getDouble(ScoreInput.TRUE_LON) : Double.NaN;
      String id = row.getString(ScoreInput.ID);
      ExplainPanel.Input in = new ExplainPanel.Input(id, seenImage(pixels, index, size), e.side(), hs, chosenMaps,
          leastMaps, chosen, least, e.sceneProbabilities(), settings.sceneNames(), cells, trueLat, trueLon);
      byte[] png;
      try {
        png = ExplainPanel.png(in);
      } catch (RuntimeException ex) {
        return reject(row, EXPLAIN_FAILED, "panel: " + ex);
      }
      String name = panelName(id);
      write(name, png);
      CellPrediction top = e.prediction().top();
      String[] tokens = settings.cellTokens();
      return RowFactory.create(id, row.getString(ScoreInput.SOURCE), null, null, name, top.latDegrees(), top.lonDegrees(),
          tokens == null ? null : tokens[top.classLabel()], top.classLabel(), top.probability(), chosen,
          e.sceneProbabilities()[chosen], least, e.sceneProbabilities()[least], truth ? trueLat : null,
          truth ? trueLon : null, truth ? ExplainPanel.errorKm(in) : null);
    }

    private void write(String name, byte[] png) {
      Path file = new Path(settings.panelsUri(), name);
      try {
        if (fs == null) {
          fs = file.getFileSystem(settings.conf().get());
        }
        try (OutputStream o = fs.create(file, true)) {
          o.write(png);
        }
      } catch (IOException ex) {
        throw new UncheckedIOException("Cannot write the panel " + file, ex);
      }
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
      }
      return lease;
    }

    @Override
    public void close() {
      if (lease != null) {
        lease.close();
      }
    }
  }

  /** Image {@code index} of a normalised {@code [B, 3, I, I]} batch, back in RGB. */
  static BufferedImage seenImage(float[] pixels, int index, int size) {
    BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    int plane = size * size;
    int base = index * 3 * plane;
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        int rgb = 0;
        for (int c = 0; c < 3; c++) {
          float v = pixels[base + c * plane + y * size + x] * ImageTransforms.IMAGENET_STD[c] + ImageTransforms.IMAGENET_MEAN[c];
          rgb = (rgb << 8) | Math.max(0, Math.min(255, Math.round(v * 255)));
        }
        image.setRGB(x, y, rgb);
      }
    }
    return image;
  }

  /**
   * A file name for the panel of {@code id}: its safe characters, shortened, and a hash of the
   * whole id so that ids differing only in unsafe characters do not collide.
   */
  static String panelName(String id) {
    String safe = id.replaceAll("[^A-Za-z0-9._-]+", "_").replaceAll("^[._]+", "");
    if (safe.length() > 80) {
      safe = safe.substring(safe.length() - 80);
    }
    long h = 1125899906842597L;
    for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
      h = 31 * h + b;
    }
    return String.format(Locale.ROOT, "%s-%08x.png", safe.isEmpty() ? "image" : safe, (int) (h ^ (h >>> 32)));
  }

  private static Row reject(Row row, String reason, String detail) {
    return RowFactory.create(row.getString(ScoreInput.ID), row.getString(ScoreInput.SOURCE), reason, detail, null, null,
        null, null, null, null, null, null, null, null,
        row.isNullAt(ScoreInput.TRUE_LAT) ? null : row.getDouble(ScoreInput.TRUE_LAT),
        row.isNullAt(ScoreInput.TRUE_LON) ? null : row.getDouble(ScoreInput.TRUE_LON), null);
  }
}
