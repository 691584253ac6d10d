package org.geodecoder.eval;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * Published figures of Clark et al., CVPR 2023, for comparison: Table 1 (Ours) accuracies at
 * 1/25/200/750/2500 km, and the supplement's Gini coefficients of images per city.
 */
public final class PaperResults {
  /**
   * One row of Table 1.
   *
   * @param dataset dataset name as printed in the paper
   * @param images number of test images
   * @param accuracyPercent accuracies in % at {@link DistanceThresholds#PAPER}
   */
  public record Table1Row(String dataset, int images, double[] accuracyPercent) {
    public Table1Row {
      accuracyPercent = accuracyPercent.clone();
    }

    @Override
    public double[] accuracyPercent() {
      return accuracyPercent.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Table1Row
          && dataset.equals(((Table1Row) o).dataset)
          && images == ((Table1Row) o).images
          && Arrays.equals(accuracyPercent, ((Table1Row) o).accuracyPercent);
    }

    @Override
    public int hashCode() {
      return 31 * (31 * dataset.hashCode() + images) + Arrays.hashCode(accuracyPercent);
    }
  }

  private static final List<Table1Row> TABLE_1 =
      List.of(
          new Table1Row("Im2GPS", 237, new double[] {22.1, 50.2, 69.0, 80.0, 89.1}),
          new Table1Row("Im2GPS3k", 2997, new double[] {12.8, 33.5, 45.9, 61.0, 76.1}),
          new Table1Row("YFCC4k", 4536, new double[] {10.3, 24.4, 33.9, 50.0, 68.7}),
          new Table1Row("YFCC26k", 25600, new double[] {10.1, 23.9, 34.1, 49.6, 69.0}),
          new Table1Row("GWS15k", 14955, new double[] {0.7, 1.5, 8.7, 26.9, 50.5}));

  private PaperResults() {}

  /** Table 1 rows, in the paper's order. */
  public static List<Table1Row> table1() {
    return TABLE_1;
  }

  /** The Table 1 row for a dataset name, matched ignoring case and non-alphanumerics. */
  public static Optional<Table1Row> table1Row(String dataset) {
    String key = normalize(dataset);
    return TABLE_1.stream().filter(r -> normalize(r.dataset()).equals(key)).findFirst();
  }

  /** The supplement's Gini coefficient of images per city, where it gives one. */
  public static OptionalDouble gini(String dataset) {
    switch (normalize(dataset)) {
      case "im2gps3k":
        return OptionalDouble.of(0.60);
      case "yfcc26k":
        return OptionalDouble.of(0.73);
      case "gws15k":
        return OptionalDouble.of(0.51);
      default:
        return OptionalDouble.empty();
    }
  }

  /** Position in Table 1, or {@code Integer.MAX_VALUE} for datasets the paper does not list. */
  static int paperOrder(String dataset) {
    String key = normalize(dataset);
    for (int i = 0; i < TABLE_1.size(); i++) {
      if (normalize(TABLE_1.get(i).dataset()).equals(key)) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static String normalize(String name) {
    return name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
  }
}
