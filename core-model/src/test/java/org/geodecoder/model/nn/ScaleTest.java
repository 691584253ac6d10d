package org.geodecoder.model.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.geodecoder.model.Autograd;
import org.junit.jupiter.api.Test;

class ScaleTest {
  @Test
  void multipliesInTheInputsTypeLikeMulByANumber() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray x = m.create(new float[] {1f, -2f, 3.5f, 0f});
      NDArray y = Scale.times(x, 1.0 / Math.sqrt(16));
      assertEquals(DataType.FLOAT32, y.getDataType());
      assertArrayEquals(new float[] {0.25f, -0.5f, 0.875f, 0f}, y.toFloatArray());
      assertArrayEquals(x.mul(0.25).toFloatArray(), y.toFloatArray());
    }
  }

  /**
   * The gradient of x·c is c even when the garbage collector runs between the forward and the
   * backward pass. With DJL's {@code x.mul(0.5)} in place of {@code Scale.times} this gradient
   * came out as [0, 0, 0, 0] in every one of 5 tries: the scalar's borrowed buffer was freed.
   */
  @Test
  void theConstantOutlivesGarbageCollectionUntilTheBackwardPass() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      for (int round = 0; round < 3; round++) {
        NDArray x = m.create(new float[] {1f, 2f, 3f, 4f});
        x.setRequiresGradient(true);
        float[] gradient =
            Autograd.withGrad(
                true,
                () -> {
                  NDArray y = Scale.times(x, 0.5).sum();
                  churnNativeMemory();
                  Autograd.backward(y);
                  return x.getGradient().toFloatArray();
                });
        assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, gradient, "round " + round);
      }
    }
  }

  /** Lets the collector free unreachable direct buffers, then reuses native memory. */
  private static void churnNativeMemory() {
    for (int gc = 0; gc < 3; gc++) {
      System.gc();
      List<ByteBuffer> buffers = new ArrayList<>();
      for (int i = 0; i < 2000; i++) {
        ByteBuffer b = ByteBuffer.allocateDirect(4);
        b.putFloat(0, 123f);
        buffers.add(b);
      }
    }
  }
}
