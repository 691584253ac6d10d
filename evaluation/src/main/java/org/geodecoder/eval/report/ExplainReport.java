package org.geodecoder.eval.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The explain job's {@code report.md}: what was explained, the prediction table (one row per
 * image), every panel, and the rejected images with their reasons. {@link HtmlReport} turns it
 * into {@code report.html} (panels embedded) and {@code index.html} (panels linked).
 */
public final class ExplainReport {
  private ExplainReport() {}

  /**
   * One explained image.
   *
   * @param panel the panel's path relative to the report
   * @param cellId the S2 token of the predicted cell, null when unknown
   * @param trueLatDegrees NaN when unknown (also trueLon and errorKm)
   */
  public record Entry(String id, String panel, double latDegrees, double lonDegrees, String cellId, int classLabel,
      double probability, int scene, double sceneConfidence, int leastScene, double leastSceneConfidence,
      double trueLatDegrees, double trueLonDegrees, double errorKm) {}

  /** One image that could not be explained. */
  public record Reject(String id, String reason, String detail) {}

  /**
   * @param facts what was run, in order (model, input, hierarchies shown, …)
   * @param entries sorted as they should be listed
   */
  public static String markdown(Map<String, String> facts, List<Entry> entries, List<Reject> rejects) {
    return markdown(facts, entries, rejects, null);
  }

  /**
   * @param sceneNames a name per scene index for the prediction table, or null for numbers
   */
  public static String markdown(Map<String, String> facts, List<Entry> entries, List<Reject> rejects,
      String[] sceneNames) {
    StringBuilder md = new StringBuilder("# What the model looked at\n\n");
    md.append("Each panel shows an image as the model saw it, the last decoder layer's cross-attention of the ")
        .append("queries of the chosen scene (top row) and of the least confident scene (bottom row) for the ")
        .append("hierarchies shown, the scene confidences, and the top-k predicted cells on a world map ")
        .append("(with the true location and the error when known), as in the paper's Fig. 5–7.\n\n");
    md.append("| Setting | Value |\n|---|---|\n");
    facts.forEach((k, v) -> md.append("| ").append(escape(k)).append(" | ").append(escape(v)).append(" |\n"));
    md.append("| Images explained | ").append(entries.size()).append(" |\n");
    md.append("| Images rejected | ").append(rejects.size()).append(" |\n\n");
    if (!entries.isEmpty()) {
      md.append("## Predictions\n\n");
      md.append("| # | Image | Predicted lat, lon | Cell | Probability | Scene (conf.) | Least conf. scene "
          + "| True lat, lon | Error km |\n|---:|---|---|---|---:|---|---|---|---:|\n");
      int n = 1;
      for (Entry e : entries) {
        boolean truth = !Double.isNaN(e.trueLatDegrees());
        md.append("| ").append(n++).append(" | ").append(escape(e.id())).append(" | ")
            .append(latLon(e.latDegrees(), e.lonDegrees())).append(" | ")
            .append(e.cellId() == null ? "class " + e.classLabel() : e.cellId()).append(" | ")
            .append(probability(e.probability())).append(" | ")
            .append(scene(e.scene(), e.sceneConfidence(), sceneNames)).append(" | ")
            .append(scene(e.leastScene(), e.leastSceneConfidence(), sceneNames)).append(" | ")
            .append(truth ? latLon(e.trueLatDegrees(), e.trueLonDegrees()) : "–").append(" | ")
            .append(truth ? MarkdownReport.km(e.errorKm()) : "–").append(" |\n");
      }
      md.append('\n');
      md.append("## Panels\n\n");
      n = 1;
      for (Entry e : entries) {
        md.append("### ").append(n++).append(". ").append(escape(e.id())).append("\n\n")
            .append("![Panel of ").append(escape(e.id())).append("](").append(e.panel()).append(")\n\n");
      }
    }
    if (!rejects.isEmpty()) {
      md.append("## Rejected images\n\n| Image | Reason | Detail |\n|---|---|---|\n");
      for (Reject r : rejects) {
        md.append("| ").append(escape(r.id())).append(" | ").append(escape(r.reason())).append(" | ")
            .append(escape(r.detail() == null ? "" : r.detail())).append(" |\n");
      }
      md.append('\n');
    }
    return md.toString();
  }

  private static String scene(int scene, double confidence, String[] names) {
    String name = names != null && scene >= 0 && scene < names.length ? " " + escape(names[scene]) : "";
    return String.format(Locale.ROOT, "%d%s (%.1f%%)", scene, name, 100 * confidence);
  }

  /** Three significant digits: an untrained model's best cell can have p = 0.0003. */
  public static String probability(double p) {
    return String.format(Locale.ROOT, p >= 0.001 ? "%.3f" : "%.2g", p);
  }

  private static String latLon(double lat, double lon) {
    return String.format(Locale.ROOT, "%.2f, %.2f", lat, lon);
  }

  /** Table cells: no pipes, no line breaks, Markdown's own characters taken literally. */
  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("*", "\\*").replace("_", "\\_")
        .replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;");
  }
}
