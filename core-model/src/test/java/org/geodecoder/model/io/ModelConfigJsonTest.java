package org.geodecoder.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.loss.GeoLossQueries;
import org.junit.jupiter.api.Test;

class ModelConfigJsonTest {
  @Test
  void recordsTheGeoLossQueriesAndReadsOldFilesAsAll() {
    ModelConfig config =
        ModelConfig.preset("micro", TestHierarchies.binary(3)).toBuilder()
            .optGeoLossQueries(GeoLossQueries.TRUE_SCENE)
            .build();
    String json = ModelConfigJson.toJson(config);
    assertTrue(json.contains("\"geoLossQueries\": \"true-scene\""), json);
    assertEquals(config, ModelConfigJson.fromJson(json));

    String old = json.substring(0, json.indexOf(",\n  \"training\"")) + "\n}";
    assertEquals(GeoLossQueries.ALL, ModelConfigJson.fromJson(old).geoLossQueries());
  }

  @Test
  void firstHierarchiesKeepsTheCoarsestOnes() {
    ClassHierarchy h = TestHierarchies.binary(3).firstHierarchies(2);
    assertArrayEquals(new int[] {2, 4}, h.classCounts());
    assertArrayEquals(new int[] {0, 0, 1, 1}, h.parents(1));
    assertEquals(TestHierarchies.binary(3).latDegrees(1, 3), h.latDegrees(1, 3));
  }

  @Test
  void paperIsAPresetOfItsOwnName() {
    ModelConfig paper = ModelConfig.preset("paper", TestHierarchies.binary(2));
    assertEquals(ModelConfig.preset("swin_base", TestHierarchies.binary(2)), paper);
    assertEquals("paper", ModelConfig.PRESETS[ModelConfig.PRESETS.length - 1]);
  }
}
