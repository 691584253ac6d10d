package org.geodecoder.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.geodecoder.model.swin.SwinConfig;
import org.geodecoder.model.swin.SwinTransformer;
import org.junit.jupiter.api.Test;

class GeoModelShapeTest {
  @Test
  void microForwardHasDocumentedShapes() {
    ClassHierarchy hierarchy = TestHierarchies.binary(3);
    ModelConfig config = ModelConfig.preset("micro", hierarchy);
    try (GeoModel model = GeoModel.create(config, Device.cpu(), 1);
        NDManager m = model.manager().newSubManager()) {
      NDArray images = m.randomNormal(model.inputShape(2));
      NDList out = model.predict(images);
      assertEquals(4, out.size());
      assertEquals(new Shape(2, 16), out.get(0).getShape());
      assertEquals(new Shape(2, 16, 2), out.get(1).getShape());
      assertEquals(new Shape(2, 16, 4), out.get(2).getShape());
      assertEquals(new Shape(2, 16, 8), out.get(3).getShape());
      Shape[] declared = model.network().getOutputShapes(new Shape[] {model.inputShape(2)});
      for (int i = 0; i < out.size(); i++) {
        assertEquals(declared[i], out.get(i).getShape());
      }
    }
  }

  @Test
  void everyEncoderPresetDeclaresItsTokenShape() {
    long[][] expected = {{4, 256}, {49, 768}, {49, 768}, {49, 1024}};
    for (int i = 0; i < SwinConfig.PRESETS.length; i++) {
      SwinConfig c = SwinConfig.preset(SwinConfig.PRESETS[i]);
      Shape out =
          new SwinTransformer(c)
              .getOutputShapes(new Shape[] {new Shape(8, 3, c.imageSize(), c.imageSize())})[0];
      assertEquals(new Shape(8, expected[i][0], expected[i][1]), out, c.name());
    }
  }

  @Test
  void rejectsWrongImageSize() {
    ModelConfig config = ModelConfig.preset("micro", TestHierarchies.binary(2));
    try (GeoModel model = GeoModel.create(config, Device.cpu(), 1);
        NDManager m = model.manager().newSubManager()) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> model.predict(m.zeros(new Shape(1, 3, 32, 32))));
      assertEquals(
          "Expected images (1, 3, 64, 64) for micro, got (1, 3, 32, 32)", e.getMessage());
    }
  }
}
