package org.geodecoder.model.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * What an optimizer needs to continue exactly: the number of updates applied and the momentum
 * buffer (flat, in parameter order). Immutable (the buffer is copied in and out).
 */
public final class OptimizerState {
  private static final int FORMAT = 1;

  private final long step;
  private final float[] momentum;

  public OptimizerState(long step, float[] momentum) {
    if (step < 0) {
      throw new IllegalArgumentException("step must be >= 0, got " + step);
    }
    this.step = step;
    this.momentum = momentum.clone();
  }

  /** Updates applied so far. */
  public long step() {
    return step;
  }

  public float[] momentum() {
    return momentum.clone();
  }

  public int size() {
    return momentum.length;
  }

  public void writeTo(DataOutputStream out) throws IOException {
    out.writeInt(FORMAT);
    out.writeLong(step);
    out.writeInt(momentum.length);
    for (float f : momentum) {
      out.writeFloat(f);
    }
  }

  /**
   * @throws IOException on a read error or an unknown format
   */
  public static OptimizerState readFrom(DataInputStream in) throws IOException {
    int format = in.readInt();
    if (format != FORMAT) {
      throw new IOException("Unsupported optimizer state format " + format);
    }
    long step = in.readLong();
    float[] m = new float[in.readInt()];
    for (int i = 0; i < m.length; i++) {
      m[i] = in.readFloat();
    }
    return new OptimizerState(step, m);
  }
}
