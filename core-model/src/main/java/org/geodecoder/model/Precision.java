package org.geodecoder.model;

import java.util.Locale;

/**
 * The number format of a model's forward and backward pass. Parameters, gradients and optimizer
 * state are fp32 in both (the master weights); {@link #BF16} runs the matrix products in
 * bfloat16 with fp32 LayerNorm, softmax, residual sums and loss, as {@code torch.autocast} does
 * (see {@link org.geodecoder.model.nn.Autocast}).
 */
public enum Precision {
  /** Everything in float32. */
  FP32("fp32"),
  /** Mixed precision: bfloat16 matrix products, float32 elsewhere. */
  BF16("bf16");

  private final String optionValue;

  Precision(String optionValue) {
    this.optionValue = optionValue;
  }

  /**
   * @param name {@code fp32} or {@code bf16} (case-insensitive)
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Precision parse(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (Precision p : values()) {
      if (p.optionValue.equals(key)) {
        return p;
      }
    }
    throw new IllegalArgumentException("Unknown precision '" + name + "', expected fp32 or bf16");
  }

  /** The name used in options and in model.json: {@code fp32} or {@code bf16}. */
  public String optionValue() {
    return optionValue;
  }

  @Override
  public String toString() {
    return optionValue;
  }
}
