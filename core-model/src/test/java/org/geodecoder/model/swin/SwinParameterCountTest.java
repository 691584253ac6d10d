package org.geodecoder.model.swin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Our encoder plus timm's 1000-class head has exactly timm's parameter count. */
class SwinParameterCountTest {
  @ParameterizedTest(name = "{0}")
  @CsvSource({"swin_tiny, 28288354", "swin_small, 49606258", "swin_base, 87768224"})
  void matchesTimm(String preset, long timmCount) {
    SwinConfig c = SwinConfig.preset(preset);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      SwinTransformer encoder = new SwinTransformer(c);
      encoder.initialize(m, DataType.FLOAT32, new Shape(1, 3, c.imageSize(), c.imageSize()));
      long count = 0;
      for (Pair<String, Parameter> p : encoder.getParameters()) {
        count += p.getValue().getArray().size();
      }
      long head = (long) c.outputDim() * 1000 + 1000;
      assertEquals(timmCount, count + head);
    }
  }
}
