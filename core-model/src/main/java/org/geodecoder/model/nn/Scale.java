package org.geodecoder.model.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Multiplication by a constant that is safe under autograd.
 *
 * <p>Written by hand because DJL 0.36's {@code NDArray.mul(Number)} is not: it wraps the number
 * in a scalar tensor that borrows a Java direct buffer ({@code torch::from_blob}), multiplies,
 * and closes the scalar at once. Autograd keeps the borrowed pointer for the backward pass, and
 * once the garbage collector frees the buffer the gradient is computed from freed memory (in
 * Spark executors the attention-query gradients came out all zero now and then, so two runs of
 * the same training parted). Here the constant is a tensor PyTorch allocates and reference-counts
 * itself, so the graph keeps it alive for as long as it needs it.
 */
public final class Scale {
  private Scale() {}

  /** {@code x · factor}, in x's data type, on x's device. */
  public static NDArray times(NDArray x, double factor) {
    // A bfloat16 x reads as UNKNOWN (see Bf16Cast); a 0-dim float32 constant keeps its product
    // bfloat16, as 0-dim tensors do not take part in type promotion.
    DataType type = Bf16Cast.isBfloat16(x) ? DataType.FLOAT32 : x.getDataType();
    try (NDArray constant = x.getManager().full(new Shape(), (float) factor, type, x.getDevice())) {
      return x.mul(constant);
    }
  }
}
