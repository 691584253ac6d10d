package org.geodecoder.jobs.train.sync;

/**
 * bfloat16 (the upper 16 bits of an fp32) with round-to-nearest-even, written by hand: the JDK
 * has only {@code Float.floatToFloat16} (IEEE half, a different format).
 */
final class Bf16 {
  private Bf16() {}

  /** The bf16 nearest to {@code f} (ties to even), as its 16 bits; NaN stays a (quiet) NaN. */
  static short round(float f) {
    int bits = Float.floatToRawIntBits(f);
    if ((bits & 0x7fffffff) > 0x7f800000) {
      return (short) ((bits >>> 16) | 0x40);
    }
    return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
  }

  static float toFloat(short bf16) {
    return Float.intBitsToFloat((bf16 & 0xffff) << 16);
  }
}
