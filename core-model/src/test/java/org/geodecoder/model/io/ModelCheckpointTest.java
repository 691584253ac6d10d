package org.geodecoder.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelCheckpointTest {
  @Test
  void reloadedModelComputesBitwiseEqualOutputs(@TempDir Path dir) throws Exception {
    ModelConfig config =
        ModelConfig.preset("micro", TestHierarchies.binary(3)).toBuilder()
            .optCellsTable("file:///data/cells.parquet")
            .build();
    float[] images = new float[2 * 3 * 64 * 64];
    Random r = new Random(4);
    for (int i = 0; i < images.length; i++) {
      images[i] = (float) r.nextGaussian();
    }
    NDList before;
    float[][] expected;
    try (GeoModel model = GeoModel.create(config, Device.cpu(), 21)) {
      model.save(dir);
      try (NDManager m = model.manager().newSubManager()) {
        before = model.predict(m.create(images, model.inputShape(2)));
        expected = new float[before.size()][];
        for (int i = 0; i < before.size(); i++) {
          expected[i] = before.get(i).toFloatArray();
        }
      }
    }
    assertTrue(Files.exists(dir.resolve("model.json")));
    assertFalse(Files.exists(dir.resolve("parameters.safetensors.tmp")));
    try (GeoModel loaded = GeoModel.load(dir, Device.cpu());
        NDManager m = loaded.manager().newSubManager()) {
      assertEquals(config, loaded.config());
      NDList after = loaded.predict(m.create(images, loaded.inputShape(2)));
      for (int i = 0; i < after.size(); i++) {
        assertArrayEquals(expected[i], after.get(i).toFloatArray(), "output " + i);
      }
      // and the weights really differ from a fresh model with the loader's seed
      try (GeoModel fresh = GeoModel.create(config, Device.cpu(), 0)) {
        assertFalse(java.util.Arrays.equals(fresh.flatParameters(), loaded.flatParameters()));
      }
    }
  }

  @Test
  void configJsonRoundTripsExactly() {
    ModelConfig config = ModelConfig.preset("swin_base", TestHierarchies.binary(4));
    assertEquals(config, ModelConfigJson.fromJson(ModelConfigJson.toJson(config)));
  }

  @Test
  void rejectsParametersOfAnotherModel(@TempDir Path dir) {
    try (GeoModel small = GeoModel.create(
            ModelConfig.preset("micro", TestHierarchies.binary(2)), Device.cpu(), 1);
        GeoModel other = GeoModel.create(
            ModelConfig.preset("micro", TestHierarchies.binary(3)), Device.cpu(), 1)) {
      small.save(dir);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> ModelCheckpoint.loadParameters(other, dir.resolve("parameters.safetensors")));
      assertTrue(
          e.getMessage()
              .endsWith(
                  "parameter 02decoder_queries has shape (2, 16, 64), the model expects (3, 16,"
                      + " 64)"),
          e.getMessage());
    }
  }

  static float[] values(NDArray a) {
    return a.toFloatArray();
  }
}
