package org.geodecoder.model.decoder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.loss.GeoLoss;
import org.junit.jupiter.api.Test;

/** Back-propagated gradients of decoder + heads + loss equal central differences (float64). */
class DecoderGradientCheckTest {
  @Test
  void analyticGradientsMatchCentralDifferences() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      Engine.getInstance().setRandomSeed(5);
      DecoderConfig config =
          DecoderConfig.builder()
              .optScenes(2)
              .optDim(8)
              .optLayers(2)
              .optHierarchyLayers(1)
              .optHeads(2)
              .optMlpRatio(2)
              .build();
      GeoDecoder decoder = new GeoDecoder(config, 2, 6);
      GeoHeads heads = new GeoHeads(new int[] {2, 4}, 2);
      Shape tokensShape = new Shape(2, 3, 6);
      decoder.initialize(m, DataType.FLOAT64, tokensShape);
      heads.initialize(m, DataType.FLOAT64, decoder.getOutputShapes(new Shape[] {tokensShape}));
      NDArray tokens = m.randomNormal(tokensShape).toType(DataType.FLOAT64, false);
      int[] classLabels = {1, 3, 0, -1};
      int[] sceneLabels = {0, 1};
      ParameterStore ps = new ParameterStore(m, false);

      List<Parameter> params = new ArrayList<>();
      for (Pair<String, Parameter> p : decoder.getParameters()) {
        params.add(p.getValue());
      }
      for (Pair<String, Parameter> p : heads.getParameters()) {
        params.add(p.getValue());
      }
      Autograd.withGrad(
          true,
          () -> {
            Autograd.backward(loss(decoder, heads, ps, tokens, classLabels, sceneLabels));
            return null;
          });

      Random r = new Random(1);
      double eps = 1e-6;
      double worst = 0;
      for (int trial = 0; trial < 40; trial++) {
        Parameter p = params.get(r.nextInt(params.size()));
        NDArray array = p.getArray();
        double[] values = array.toDoubleArray();
        int i = r.nextInt(values.length);
        double analytic = array.getGradient().toDoubleArray()[i];
        double original = values[i];
        values[i] = original + eps;
        array.set(values);
        double up = evaluate(decoder, heads, ps, tokens, classLabels, sceneLabels);
        values[i] = original - eps;
        array.set(values);
        double down = evaluate(decoder, heads, ps, tokens, classLabels, sceneLabels);
        values[i] = original;
        array.set(values);
        double numeric = (up - down) / (2 * eps);
        double error = Math.abs(analytic - numeric) / Math.max(1e-3, Math.abs(numeric));
        worst = Math.max(worst, error);
        assertTrue(
            error < 1e-5,
            String.format("%s[%d]: analytic %.10g, numeric %.10g", p.getName(), i, analytic, numeric));
      }
      assertTrue(worst < 1e-5);
    }
  }

  private static double evaluate(
      GeoDecoder d, GeoHeads h, ParameterStore ps, NDArray x, int[] cl, int[] sl) {
    return Autograd.withGrad(false, () -> loss(d, h, ps, x, cl, sl).getDouble());
  }

  private static NDArray loss(
      GeoDecoder d, GeoHeads h, ParameterStore ps, NDArray x, int[] cl, int[] sl) {
    NDList q = d.forward(ps, new NDList(x), true);
    NDList out = h.forward(ps, q, true);
    return GeoLoss.compute(out, cl, sl, 2).objective();
  }
}
