package org.geodecoder.model.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import ai.djl.Device;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.junit.jupiter.api.Test;

/**
 * DJL's PyTorch engine makes CPU tensors alias Java direct buffers (from_blob, kept alive by the
 * wrapper). Parameters, their gradients and values written with set() must survive garbage
 * collection and the reuse of freed direct memory.
 */
class ParameterMemoryTest {
  private static void churn() {
    for (int k = 0; k < 3; k++) {
      System.gc();
      List<ByteBuffer> l = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(64 * 1024);
        for (int j = 0; j < b.capacity(); j += 4) b.putFloat(j, 12345f);
        l.add(b);
      }
      l.clear();
      System.gc();
    }
  }

  @Test
  void parametersSurviveGc() {
    ModelConfig config = ModelConfig.preset("micro", TestHierarchies.binary(3));
    for (int round = 0; round < 3; round++) {
      try (GeoModel model = GeoModel.create(config, Device.cpu(), 5)) {
        float[] a = model.flatParameters();
        churn();
        assertArrayEquals(a, model.flatParameters(), "after create, round " + round);
        model.setFlatParameters(a);
        churn();
        assertArrayEquals(a, model.flatParameters(), "after set, round " + round);
      }
    }
  }

  @Test
  void trainerSurvivesGc() {
    ModelConfig config = ModelConfig.preset("micro", TestHierarchies.binary(3));
    SgdConfig sgd = SgdConfig.builder().build();
    try (ReplicaTrainer t = ReplicaTrainer.create(config, Device.cpu(), sgd, 5)) {
      Batch b = ReplicaTrainerTest.randomBatch(4, 1);
      t.computeGradients(b, 1.0);
      float[] g = t.flatGradient();
      churn();
      assertArrayEquals(g, t.flatGradient(), "grad after churn");
      t.setFlatGradient(g);
      churn();
      assertArrayEquals(g, t.flatGradient(), "grad after set + churn");
      t.applyUpdate();
      float[] w = t.flatParameters();
      churn();
      assertArrayEquals(w, t.model().flatParameters(), "weights after update + churn");
    }
  }
}
