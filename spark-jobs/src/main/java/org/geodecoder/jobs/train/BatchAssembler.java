package org.geodecoder.jobs.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.transform.ImageTransforms;
import org.geodecoder.model.train.Batch;

/**
 * Turns a replica's slice of rows into a {@link Batch}: decodes and augments every image with a
 * generator seeded by (seed, epoch, position), checks the labels, and sets aside unusable samples
 * with a reason (they are counted, never fatal here; the job decides on the fraction). Each
 * sample also gets a stochastic-depth key from (seed, epoch, position). Thread-safe: the input
 * pipeline calls {@link #training} from several threads, each with its own CPU arrays.
 */
final class BatchAssembler {
  static final String UNDECODABLE = "undecodable_image";
  static final String NO_LABELS = "no_labels";
  static final String LABEL_OUT_OF_RANGE = "label_out_of_range";

  private final ClassHierarchy hierarchy;
  private final ImageTransforms transforms;
  private final int imageValues;
  private final long seed;
  private final int scenes;
  private final TreeMap<String, Long> rejected = new TreeMap<>();

  BatchAssembler(ClassHierarchy hierarchy, int imageSize, int scenes, long seed) {
    this.hierarchy = hierarchy;
    this.transforms = ImageTransforms.forImageSize(imageSize);
    this.imageValues = 3 * imageSize * imageSize;
    this.seed = seed;
    this.scenes = scenes;
  }

  /** Unusable samples met so far, by reason (a copy). */
  synchronized TreeMap<String, Long> rejected() {
    return new TreeMap<>(rejected);
  }

  /** Values of one image. */
  int imageValues() {
    return imageValues;
  }

  /** The usable samples of {@code rows} as a training batch, or null when none is usable. */
  Batch training(List<TrainingSample> rows, int epoch, NDManager manager) {
    return training(rows, epoch, manager, new float[rows.size() * imageValues]);
  }

  /**
   * Like {@link #training(List, int, NDManager)}, decoding into {@code buffer} (room for every
   * row); the batch's images are {@code buffer} itself when every row is usable, else a copy of
   * its used part.
   */
  Batch training(List<TrainingSample> rows, int epoch, NDManager manager, float[] buffer) {
    int hs = hierarchy.hierarchies();
    List<TrainingSample> kept = new ArrayList<>(rows.size());
    for (TrainingSample s : rows) {
      String bad = labelProblem(s.labels());
      if (bad != null) {
        reject(bad);
        continue;
      }
      long key = EpochOrder.augmentationSeed(seed, epoch, s.position());
      if (decodeInto(s, manager, new Random(key), buffer, kept.size() * imageValues)) {
        kept.add(s);
      }
    }
    if (kept.isEmpty()) {
      return null;
    }
    float[] flat = kept.size() * imageValues == buffer.length ? buffer
        : java.util.Arrays.copyOf(buffer, kept.size() * imageValues);
    int[] classes = new int[kept.size() * hs];
    int[] sceneLabels = new int[kept.size()];
    long[] keys = new long[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      System.arraycopy(kept.get(i).labels(), 0, classes, i * hs, hs);
      int scene = kept.get(i).scene();
      sceneLabels[i] = scene >= 0 && scene < scenes ? scene : -1;
      keys[i] = dropPathKey(seed, epoch, kept.get(i).position());
    }
    return Batch.of(flat, classes, sceneLabels).withSampleKeys(keys);
  }

  /** The stochastic-depth key of a sample: (seed, epoch, position), a stream apart from the augmentation's. */
  static long dropPathKey(long seed, int epoch, long position) {
    return EpochOrder.augmentationSeed(seed ^ 0x5DEECE66DL, epoch, position);
  }

  private boolean decodeInto(TrainingSample s, NDManager manager, Random random, float[] buffer, int offset) {
    float[] pixels = decode(s, manager, random);
    if (pixels == null) {
      return false;
    }
    System.arraycopy(pixels, 0, buffer, offset, imageValues);
    return true;
  }

  /** Centre-crop evaluation input for a sample, or null (counted) when undecodable. */
  float[] evaluation(TrainingSample s, NDManager manager) {
    return decode(s, manager, null);
  }

  private float[] decode(TrainingSample s, NDManager manager, Random random) {
    try (NDManager m = manager.newSubManager()) {
      NDArray hwc = org.geodecoder.model.transform.ImageDecoder.decode(s.image(), m);
      NDArray x = random == null ? transforms.evalCenter(hwc) : transforms.train(hwc, random);
      return x.toFloatArray();
    } catch (RuntimeException e) {
      reject(UNDECODABLE);
      return null;
    }
  }

  private String labelProblem(int[] labels) {
    if (labels == null) {
      return NO_LABELS;
    }
    if (labels.length != hierarchy.hierarchies()) {
      return LABEL_OUT_OF_RANGE;
    }
    for (int h = 0; h < labels.length; h++) {
      if (labels[h] < -1 || labels[h] >= hierarchy.classCount(h)) {
        return LABEL_OUT_OF_RANGE;
      }
    }
    return null;
  }

  private synchronized void reject(String reason) {
    rejected.merge(reason, 1L, Long::sum);
  }
}
