package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.train.OptimizerState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints written in the background from snapshots: what was snapshotted, committed, in order. */
class BackgroundCheckpointsTest {
  @TempDir Path dir;

  private static ModelConfig micro() {
    int[] counts = {3, 6};
    ClassHierarchy h = ClassHierarchy.fromArrays(counts, new int[][] {null, {0, 0, 1, 1, 2, 2}},
        new double[][] {new double[3], new double[6]}, new double[][] {new double[3], new double[6]});
    return ModelConfig.preset("micro", h);
  }

  private static TrainState state(long step) {
    return new TrainState(step, 0, step, 100, 8, 1, 42, 0.01);
  }

  /**
   * The model changes right after each snapshot (as training goes on while the writer works); every
   * committed checkpoint holds exactly the weights and momentum of its snapshot, and the step lines
   * as they were at submit time.
   */
  @Test
  void eachCheckpointHoldsItsSnapshotWhileTheModelMovesOn() {
    CheckpointStore store = new CheckpointStore(dir.resolve("run").toUri().toString(), new Configuration());
    List<float[]> expected = new ArrayList<>();
    List<String> lines = new ArrayList<>();
    try (GeoModel model = GeoModel.create(micro(), Device.cpu(), 7);
        BackgroundCheckpoints writer = new BackgroundCheckpoints(store)) {
      for (long step = 1; step <= 3; step++) {
        float[] weights = model.flatParameters();
        expected.add(weights);
        lines.add("{\"step\":" + step + "}");
        float[] momentum = new float[weights.length];
        Arrays.fill(momentum, step);
        writer.submit(state(step), ModelCheckpoint.snapshot(model), new OptimizerState(step, momentum), lines, 5);
        float[] next = weights.clone();
        for (int i = 0; i < next.length; i++) {
          next[i] += 1f; // the live model moves on before the write is done
        }
        model.setFlatParameters(next);
      }
      writer.awaitAll();
      List<CheckpointStore.Ref> committed = store.committed();
      assertEquals(List.of(1L, 2L, 3L), committed.stream().map(CheckpointStore.Ref::step).toList());
      for (int k = 0; k < 3; k++) {
        CheckpointStore.Loaded loaded = store.load(committed.get(k));
        try (GeoModel restored = ModelCheckpoint.load(loaded.modelDir(), Device.cpu())) {
          assertArrayEquals(expected.get(k), restored.flatParameters(), "weights of step " + (k + 1));
        }
        assertEquals(k + 1, loaded.optimizer().step());
        assertEquals(k + 1f, loaded.optimizer().momentum()[0]);
        assertEquals(k + 1, loaded.stepLines().size(), "step lines as at submit time");
        assertEquals(k + 1, loaded.state().step());
      }
    }
  }

  /** A write that fails is reported by the next wait, like a synchronous write failing its step. */
  @Test
  void aFailedWriteFailsTheNextWait() throws Exception {
    Path blocker = dir.resolve("not-a-directory");
    Files.writeString(blocker, "x"); // the run directory cannot be created under a file
    CheckpointStore store = new CheckpointStore(blocker.resolve("run").toUri().toString(), new Configuration());
    try (GeoModel model = GeoModel.create(micro(), Device.cpu(), 7)) {
      BackgroundCheckpoints writer = new BackgroundCheckpoints(store);
      writer.submit(state(1), ModelCheckpoint.snapshot(model), new OptimizerState(1, new float[model.flatParameters().length]),
          List.of(), 2);
      RuntimeException e = assertThrows(RuntimeException.class, writer::awaitAll);
      assertTrue(e.getMessage().contains("Cannot write checkpoint of step 1"), e.getMessage());
      writer.close(); // nothing pending any more
      assertFalse(Files.exists(blocker.resolve("run")));
    }
  }
}
