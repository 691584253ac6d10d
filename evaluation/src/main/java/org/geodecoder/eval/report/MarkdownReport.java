package org.geodecoder.eval.report;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.geodecoder.eval.DatasetEvaluation;
import org.geodecoder.eval.DistanceThresholds;
import org.geodecoder.eval.ErrorStats;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.HierarchyAccuracy;
import org.geodecoder.eval.PaperResults;
import org.geodecoder.eval.analysis.DatasetAnalysis;

/**
 * The {@code report.md} document: the paper's Table 1 layout (rows = datasets, columns =
 * accuracy in % at each threshold) plus median error, mean GeoScore and counts; the paper's own
 * rows for comparison when the thresholds are the paper's; then scene, hierarchy and
 * dataset-analysis tables and links to the plots.
 */
public final class MarkdownReport {
  private MarkdownReport() {}

  /**
   * @param plots file names of plots to link, in order, with their captions
   */
  public static String render(
      EvaluationResult result,
      List<DatasetAnalysis> analyses,
      boolean includePaperRows,
      Map<String, String> plots) {
    return render(result, analyses, includePaperRows, plots, SceneNames.none());
  }

  /**
   * @param plots file names of plots to link, in order, with their captions
   * @param sceneNames names for the scene tables' S3 / S16 labels (numbers where it has none)
   */
  public static String render(
      EvaluationResult result,
      List<DatasetAnalysis> analyses,
      boolean includePaperRows,
      Map<String, String> plots,
      SceneNames sceneNames) {
    DistanceThresholds t = result.thresholds();
    StringBuilder md = new StringBuilder("# Geolocalization evaluation\n\n");
    md.append("Accuracy = share of images whose predicted location is within the distance of the "
        + "true one (great-circle, R = 6371.0088 km).\n\n");
    if (!result.datasets().isEmpty()) {
      md.append("| Dataset | Images |");
      for (int i = 0; i < t.size(); i++) {
        md.append(' ').append(DistanceThresholds.formatKm(t.km(i))).append(" |");
      }
      md.append(" Median km | Mean GeoScore |\n|---|---:|");
      md.append("---:|".repeat(t.size())).append("---:|---:|\n");
      for (DatasetEvaluation d : result.datasets()) {
        ErrorStats s = d.overall();
        md.append("| ").append(escape(d.name())).append(" | ").append(s.count()).append(" |");
        for (int i = 0; i < t.size(); i++) {
          md.append(' ').append(percent(s.accuracy(i))).append(" |");
        }
        md.append(' ').append(km(s.medianKm())).append(" | ")
            .append(String.format(Locale.ROOT, "%.0f", s.meanGeoScore())).append(" |\n");
      }
      if (includePaperRows && t.equals(DistanceThresholds.PAPER)) {
        for (PaperResults.Table1Row row : PaperResults.table1()) {
          md.append("| *Paper: ").append(row.dataset()).append("* | *").append(row.images())
              .append("* |");
          for (double a : row.accuracyPercent()) {
            md.append(" *").append(String.format(Locale.ROOT, "%.1f", a)).append("* |");
          }
          md.append(" – | – |\n");
        }
        md.append("\nRows in italics: Clark et al., CVPR 2023, Table 1 (Ours), for comparison.\n");
      }
      md.append('\n');
      sceneTables(md, result, sceneNames);
      hierarchyTable(md, result);
    }
    analysisTable(md, analyses);
    if (!plots.isEmpty()) {
      md.append("## Plots\n\n");
      plots.forEach((file, caption) ->
          md.append("![").append(caption).append("](").append(file).append(")\n\n"));
    }
    return md.toString();
  }

  private static void sceneTables(StringBuilder md, EvaluationResult result, SceneNames names) {
    DistanceThresholds t = result.thresholds();
    for (String level : new String[] {"S3", "S16"}) {
      boolean any = false;
      for (DatasetEvaluation d : result.datasets()) {
        Map<Integer, ErrorStats> scenes = level.equals("S3") ? d.byScene3() : d.byScene16();
        int levelSize = level.equals("S3") ? 3 : 16;
        boolean named = names.forLevel(levelSize).isPresent();
        if (scenes.isEmpty()) {
          continue;
        }
        if (!any) {
          md.append("## Accuracy by scene (").append(level).append(" label)\n\n");
          md.append("| Dataset | Scene | Images |");
          for (int i = 0; i < t.size(); i++) {
            md.append(' ').append(DistanceThresholds.formatKm(t.km(i))).append(" |");
          }
          md.append(" Median km |\n|---|").append(named ? "---" : "---:").append("|---:|")
              .append("---:|".repeat(t.size())).append("---:|\n");
          any = true;
        }
        for (Map.Entry<Integer, ErrorStats> e : scenes.entrySet()) {
          ErrorStats s = e.getValue();
          String scene = named ? e.getKey() + " " + escape(names.name(levelSize, e.getKey())) : String.valueOf(e.getKey());
          md.append("| ").append(escape(d.name())).append(" | ").append(scene).append(" | ")
              .append(s.count()).append(" |");
          for (int i = 0; i < t.size(); i++) {
            md.append(' ').append(percent(s.accuracy(i))).append(" |");
          }
          md.append(' ').append(km(s.medianKm())).append(" |\n");
        }
      }
      if (any) {
        md.append('\n');
      }
    }
  }

  private static void hierarchyTable(StringBuilder md, EvaluationResult result) {
    int maxHierarchies = 0;
    for (DatasetEvaluation d : result.datasets()) {
      maxHierarchies = Math.max(maxHierarchies, d.hierarchies().size());
    }
    if (maxHierarchies == 0) {
      return;
    }
    md.append("## Cell accuracy per hierarchy\n\n")
        .append("Share of images (with a class in that hierarchy) whose predicted cell is the "
            + "true cell; hierarchy 1 is the coarsest.\n\n| Dataset |");
    for (int h = 1; h <= maxHierarchies; h++) {
      md.append(" h").append(h).append(" |");
    }
    md.append("\n|---|").append("---:|".repeat(maxHierarchies)).append('\n');
    for (DatasetEvaluation d : result.datasets()) {
      if (d.hierarchies().isEmpty()) {
        continue;
      }
      md.append("| ").append(escape(d.name())).append(" |");
      for (int h = 0; h < maxHierarchies; h++) {
        Optional<HierarchyAccuracy> a =
            h < d.hierarchies().size() ? Optional.of(d.hierarchies().get(h)) : Optional.empty();
        md.append(' ').append(a.map(x -> percent(x.accuracy())).orElse("–")).append(" |");
      }
      md.append('\n');
    }
    md.append('\n');
  }

  private static void analysisTable(StringBuilder md, List<DatasetAnalysis> analyses) {
    if (analyses.isEmpty()) {
      return;
    }
    md.append("## Dataset analysis: images per city\n\n")
        .append("Each image is assigned to the nearest city of the SimpleMaps world-cities table "
            + "within the radius; the Gini coefficient is over cities with at least one image.\n\n")
        .append("| Dataset | Images | Radius km | Assigned | Unassigned | Cities | Gini "
            + "| Paper Gini | Top city |\n|---|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (DatasetAnalysis a : analyses) {
      String paper = PaperResults.gini(a.dataset()).isPresent()
          ? String.format(Locale.ROOT, "%.2f", PaperResults.gini(a.dataset()).getAsDouble())
          : "–";
      String top = a.topCities().isEmpty() ? "–"
          : a.topCities().get(0).city().name() + " (" + a.topCities().get(0).images() + ")";
      md.append("| ").append(escape(a.dataset())).append(" | ").append(a.images()).append(" | ")
          .append(MetricsJson.thresholdKey(a.radiusKm())).append(" | ").append(a.assignedImages()).append(" | ")
          .append(a.unassignedImages()).append(" | ").append(a.citiesWithImages()).append(" | ")
          .append(Double.isNaN(a.gini()) ? "–" : String.format(Locale.ROOT, "%.3f", a.gini()))
          .append(" | ").append(paper).append(" | ").append(escape(top)).append(" |\n");
    }
    md.append('\n');
  }

  static String percent(double fraction) {
    return Double.isNaN(fraction) ? "–" : String.format(Locale.ROOT, "%.1f", 100 * fraction);
  }

  static String km(double km) {
    if (Double.isNaN(km)) {
      return "–";
    }
    return km >= 100 ? String.format(Locale.ROOT, "%.0f", km)
        : String.format(Locale.ROOT, "%.2f", km);
  }

  private static String escape(String s) {
    return s.replace("|", "\\|");
  }
}
