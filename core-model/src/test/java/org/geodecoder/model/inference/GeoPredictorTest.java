package org.geodecoder.model.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.junit.jupiter.api.Test;

class GeoPredictorTest {
  private static final ClassHierarchy FLAT =
      ClassHierarchy.fromArrays(
          new int[] {3},
          new int[][] {null},
          new double[][] {{10, 20, 30}},
          new double[][] {{1, 2, 3}});

  @Test
  void tenCropModeEqualsTheMeanOverTenSeparateCrops() {
    try (GeoModel model = GeoModel.create(ModelConfig.preset("micro", FLAT), Device.cpu(), 2);
        NDManager m = model.manager().newSubManager()) {
      ai.djl.engine.Engine.getInstance().setRandomSeed(3);
      NDArray crops = m.randomNormal(new Shape(1, 10, 3, 64, 64));
      Prediction p = new GeoPredictor(model, 3).predictCrops(crops).get(0);

      float[] meanScene = new float[16];
      float[][] logits = new float[10][];
      for (int c = 0; c < 10; c++) {
        NDList out = model.predict(crops.get(0).get(c).expandDims(0));
        float[] s = out.get(0).toFloatArray();
        for (int k = 0; k < 16; k++) {
          meanScene[k] += s[k] / 10;
        }
        logits[c] = out.get(1).toFloatArray(); // [1, 16, 3]
      }
      int best = 0;
      for (int k = 1; k < 16; k++) {
        best = meanScene[k] > meanScene[best] ? k : best;
      }
      assertEquals(best, p.scene());
      double[] mean = new double[3];
      for (int c = 0; c < 10; c++) {
        double[] sm = HierarchicalProduct.softmax(logits[c], best * 3, 3);
        for (int k = 0; k < 3; k++) {
          mean[k] += sm[k] / 10;
        }
      }
      for (CellPrediction cell : p.cells()) {
        assertEquals(mean[cell.classLabel()], cell.probability(), 1e-5);
        assertEquals(10.0 * (cell.classLabel() + 1), cell.latDegrees());
      }
      assertEquals(1.0, p.cells().stream().mapToDouble(CellPrediction::probability).sum(), 1e-6);
    }
  }

  @Test
  void attentionMapsAreDistributionsOverTheTokenGrid() {
    try (GeoModel model = GeoModel.create(ModelConfig.preset("micro", FLAT), Device.cpu(), 2);
        NDManager m = model.manager().newSubManager()) {
      ai.djl.engine.Engine.getInstance().setRandomSeed(4);
      NDArray images = m.randomNormal(new Shape(2, 3, 64, 64));
      GeoPredictor predictor = new GeoPredictor(model, 1);
      List<AttentionMap> maps = predictor.attentionMaps(images, 0, -1);
      List<Prediction> predictions = predictor.predict(images);
      assertEquals(2, maps.size());
      for (int i = 0; i < 2; i++) {
        AttentionMap map = maps.get(i);
        assertEquals(2, map.side());
        assertEquals(predictions.get(i).scene(), map.scene());
        double sum = 0;
        for (float w : map.weights()) {
          assertTrue(w >= 0);
          sum += w;
        }
        assertEquals(1.0, sum, 1e-5);
      }
      float[] a = predictor.attentionMaps(images, 0, 0).get(0).weights();
      float[] b = predictor.attentionMaps(images, 0, 5).get(0).weights();
      assertNotEquals(a[0], b[0]);
    }
  }

  @Test
  void explainAgreesWithPredictAndAttentionMaps() {
    try (GeoModel model = GeoModel.create(ModelConfig.preset("micro", FLAT), Device.cpu(), 2);
        NDManager m = model.manager().newSubManager()) {
      ai.djl.engine.Engine.getInstance().setRandomSeed(5);
      NDArray images = m.randomNormal(new Shape(2, 3, 64, 64));
      GeoPredictor predictor = new GeoPredictor(model, 2);
      List<Explanation> explanations = predictor.explain(images);
      List<Prediction> predictions = predictor.predict(images);
      assertEquals(2, explanations.size());
      for (int i = 0; i < 2; i++) {
        Explanation e = explanations.get(i);
        Prediction p = predictions.get(i);
        assertEquals(p.scene(), e.prediction().scene());
        assertEquals(p.sceneConfidence(), e.sceneProbabilities()[p.scene()], 1e-6);
        assertEquals(1.0, java.util.Arrays.stream(e.sceneProbabilities()).sum(), 1e-6);
        for (int k = 0; k < 2; k++) {
          assertEquals(p.cells().get(k).classLabel(), e.prediction().cells().get(k).classLabel());
          assertEquals(p.cells().get(k).probability(), e.prediction().cells().get(k).probability(), 1e-6);
        }
        double least = e.sceneProbabilities()[e.leastConfidentScene()];
        for (double v : e.sceneProbabilities()) {
          assertTrue(v >= least);
        }
        for (int s : new int[] {p.scene(), e.leastConfidentScene()}) {
          float[] expected = predictor.attentionMaps(images, 0, s).get(i).weights();
          float[] actual = e.attention(0, s).weights();
          assertEquals(expected.length, actual.length);
          for (int t = 0; t < expected.length; t++) {
            assertEquals(expected[t], actual[t], 1e-6);
          }
        }
      }
    }
  }
}
