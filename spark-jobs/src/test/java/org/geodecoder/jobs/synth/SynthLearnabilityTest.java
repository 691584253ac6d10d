package org.geodecoder.jobs.synth;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import javax.imageio.ImageIO;
import org.geodecoder.s2.CellIds;
import org.geodecoder.s2.CellVocabulary;
import org.geodecoder.s2.LeafLabeler;
import org.geodecoder.s2.PartitionParams;
import org.geodecoder.s2.Partitioners;
import org.junit.jupiter.api.Test;

/**
 * The synthetic set is learnable: a 7-nearest-neighbour classifier on colour features (mean
 * colours of sky and ground, a coarse histogram; no learning at all) predicts the coarsest hierarchy's class of held-out images far
 * better than always guessing the most frequent class.
 */
class SynthLearnabilityTest {
  private static final int N = 1500;
  private static final int TRAIN = 1000;
  private static final int BINS = 4;
  private static final int K = 7;

  @Test
  void colourHistogramsPredictTheCoarsestCellFarAboveBaseline() throws Exception {
    SynthGenerator gen = new SynthGenerator(3, "photo", 48, 0.9f);
    double[][] features = new double[N][];
    double[] lat = new double[N];
    double[] lon = new double[N];
    for (int i = 0; i < N; i++) {
      SynthGenerator.Photo p = gen.photo(i);
      lat[i] = p.latDegrees();
      lon[i] = p.lonDegrees();
      features[i] = histogram(ImageIO.read(new ByteArrayInputStream(p.jpeg())));
    }
    CellVocabulary v = Partitioners.inMemory(lat, lon, PartitionParams.of(10, 600));
    LeafLabeler labeler = v.labeler();
    int k = v.classes(0);
    int[] label = new int[N];
    for (int i = 0; i < N; i++) {
      label[i] = labeler.label(0, CellIds.leafOf(lat[i], lon[i]));
    }
    int dims = features[0].length;
    double[][] centroid = new double[k][dims];
    int[] count = new int[k];
    for (int i = 0; i < TRAIN; i++) {
      if (label[i] < 0) {
        continue;
      }
      count[label[i]]++;
      for (int d = 0; d < dims; d++) {
        centroid[label[i]][d] += features[i][d];
      }
    }
    int majority = 0;
    for (int c = 0; c < k; c++) {
      for (int d = 0; d < dims; d++) {
        centroid[c][d] /= Math.max(1, count[c]);
      }
      if (count[c] > count[majority]) {
        majority = c;
      }
    }
    int tested = 0;
    int correct = 0;
    int baseline = 0;
    for (int i = TRAIN; i < N; i++) {
      if (label[i] < 0) {
        continue;
      }
      tested++;
      int best = nearestNeighbours(features, label, features[i], K);
      correct += best == label[i] ? 1 : 0;
      baseline += majority == label[i] ? 1 : 0;
    }
    double accuracy = correct / (double) tested;
    double majorityRate = baseline / (double) tested;
    System.out.printf("classes %d, 7-NN accuracy %.3f, majority baseline %.3f%n", k, accuracy, majorityRate);
    assertTrue(k >= 5, "enough classes to mean something: " + k);
    assertTrue(accuracy >= majorityRate + 0.15 && accuracy >= 1.5 * majorityRate,
        "accuracy " + accuracy + " vs majority baseline " + majorityRate + " over " + k + " classes");
  }

  /** Majority class among the K training images closest in feature space. */
  private static int nearestNeighbours(double[][] features, int[] label, double[] query, int k) {
    double[] bestDist = new double[k];
    int[] bestLabel = new int[k];
    java.util.Arrays.fill(bestDist, Double.MAX_VALUE);
    for (int j = 0; j < TRAIN; j++) {
      if (label[j] < 0) {
        continue;
      }
      double dist = 0;
      for (int d = 0; d < query.length; d++) {
        double x = features[j][d] - query[d];
        dist += x * x;
      }
      for (int slot = 0; slot < k; slot++) {
        if (dist < bestDist[slot]) {
          System.arraycopy(bestDist, slot, bestDist, slot + 1, k - slot - 1);
          System.arraycopy(bestLabel, slot, bestLabel, slot + 1, k - slot - 1);
          bestDist[slot] = dist;
          bestLabel[slot] = label[j];
          break;
        }
      }
    }
    java.util.Map<Integer, Integer> votes = new java.util.HashMap<>();
    int winner = bestLabel[0];
    for (int slot = 0; slot < k; slot++) {
      int v = votes.merge(bestLabel[slot], 1, Integer::sum);
      if (v > votes.get(winner)) {
        winner = bestLabel[slot];
      }
    }
    return winner;
  }

  /** Mean RGB of the top and bottom quarters (sky and ground) plus a coarse histogram. */
  private static double[] histogram(BufferedImage img) {
    double[] h = new double[6 + BINS * BINS * BINS];
    int w = img.getWidth();
    int ht = img.getHeight();
    int quarter = ht / 4;
    for (int y = 0; y < ht; y++) {
      for (int x = 0; x < w; x++) {
        int p = img.getRGB(x, y);
        int r = (p >> 16) & 0xff;
        int g = (p >> 8) & 0xff;
        int b = p & 0xff;
        if (y < quarter || y >= ht - quarter) {
          int o = y < quarter ? 0 : 3;
          h[o] += r / 255.0 / (w * quarter);
          h[o + 1] += g / 255.0 / (w * quarter);
          h[o + 2] += b / 255.0 / (w * quarter);
        }
        h[6 + (r * BINS / 256 * BINS + g * BINS / 256) * BINS + b * BINS / 256] += 0.5 / (w * ht);
      }
    }
    return h;
  }
}
