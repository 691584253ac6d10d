package org.geodecoder.model.loss;

import java.util.Locale;

/**
 * Which of the S scene queries of hierarchy h the geo loss supervises. The paper writes {@code
 * L_geo = Σ_h CE(h_i, ĥ_i)} with ĥ_i "the respective prediction distribution" and, at inference,
 * takes ĥ from the queries of the scene with the highest confidence; it does not say which
 * queries ĥ_i is during training. With {@code p_{h,s}} the class distribution of query (h, s) and
 * {@code y_h} the image's class in h:
 *
 * <ul>
 *   <li>{@link #ALL}: {@code CE_h = (1/S) Σ_s −log p_{h,s}(y_h)}: every scene query learns every
 *       image (specialisation can only come from the scene term);
 *   <li>{@link #SELECTED}: {@code CE_h = −log p_{h,s*}(y_h)}, {@code s* = argmax_s c_s} the scene
 *       the model itself picks (c_s = channel 0 of the queries of s averaged over hierarchies, the
 *       inference rule; the choice is not differentiated). The authors' public prototype
 *       GeoGuessNet trains this way;
 *   <li>{@link #TRUE_SCENE}: {@code CE_h = −log p_{h,ŝ}(y_h)} with ŝ the image's scene label;
 *       images without a scene label (−1) fall back to {@link #ALL}.
 * </ul>
 */
public enum GeoLossQueries {
  ALL,
  SELECTED,
  TRUE_SCENE;

  /** The command-line spelling: {@code all}, {@code selected}, {@code true-scene}. */
  public String optionValue() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * @throws IllegalArgumentException for an unknown value, listing the known ones
   */
  public static GeoLossQueries parse(String value) {
    for (GeoLossQueries q : values()) {
      if (q.optionValue().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return q;
      }
    }
    throw new IllegalArgumentException(
        "Unknown geo loss queries '" + value + "', known: all, selected, true-scene");
  }
}
