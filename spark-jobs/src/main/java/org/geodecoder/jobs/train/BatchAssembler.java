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
 * with a reason (they are counted, never fatal here; the job decides on the fraction).
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

  /** Unusable samples met so far, by reason. */
  TreeMap<String, Long> rejected() {
    return rejected;
  }

  /** The usable samples of {@code rows} as a training batch, or null when none is usable. */
  Batch training(List<TrainingSample> rows, int epoch, NDManager manager) {
    int hs = hierarchy.hierarchies();
    List<float[]> images = new ArrayList<>(rows.size());
    List<TrainingSample> kept = new ArrayList<>(rows.size());
    for (TrainingSample s : rows) {
      String bad = labelProblem(s.labels());
      if (bad != null) {
        reject(bad);
        continue;
      }
      float[] pixels = decode(s, manager, new Random(EpochOrder.augmentationSeed(seed, epoch, s.position())));
      if (pixels == null) {
        continue;
      }
      images.add(pixels);
      kept.add(s);
    }
    if (kept.isEmpty()) {
      return null;
    }
    float[] flat = new float[kept.size() * imageValues];
    int[] classes = new int[kept.size() * hs];
    int[] sceneLabels = new int[kept.size()];
    for (int i = 0; i < kept.size(); i++) {
      System.arraycopy(images.get(i), 0, flat, i * imageValues, imageValues);
      System.arraycopy(kept.get(i).labels(), 0, classes, i * hs, hs);
      int scene = kept.get(i).scene();
      sceneLabels[i] = scene >= 0 && scene < scenes ? scene : -1;
    }
    return Batch.of(flat, classes, sceneLabels);
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

  private void reject(String reason) {
    rejected.merge(reason, 1L, Long::sum);
  }
}
