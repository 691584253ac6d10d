package org.geodecoder.jobs.evaluate;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.eval.analysis.DatasetAnalysisAccumulator;
import org.geodecoder.eval.analysis.DatasetAnalyzer;
import org.geodecoder.eval.report.DensityMap;
import org.geodecoder.eval.report.LorenzChart;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.jobs.io.InputTables;
import org.geodecoder.jobs.io.LocationRows;
import org.geodecoder.jobs.io.NamedInputs;
import org.geodecoder.jobs.io.OutputDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code geodecoder analyze-dataset}: the paper's dataset-bias analysis for one or more location
 * files: images per city (nearest bundled world city within a radius), Lorenz curve and Gini
 * coefficient, and a density heat map. Writes {@code analysis.json}, {@code lorenz-curve.png}
 * and {@code density-<name>.png}.
 */
public final class AnalyzeDatasetJob extends AbstractJob {
  public static final String NAME = "analyze-dataset";
  private static final Logger LOG = LoggerFactory.getLogger(AnalyzeDatasetJob.class);

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("input", "comma-separated location files, each [name=]uri (CSV or Parquet with lat/lon columns)"),
      OptionSpec.withDefault("output", "demo-output/analysis", "output directory (any Hadoop URI)"),
      OptionSpec.withDefault("city-radius-km", 25, "an image counts for its nearest city within this radius"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"));

  public AnalyzeDatasetJob() {
    super(NAME, "Images per city, Lorenz curve, Gini coefficient and density map of location files", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, options);
    List<NamedInputs.NamedInput> inputs = NamedInputs.parse(r.requiredString("input"), r.describe("input"));
    String output = r.requiredString("output");
    double radius = r.doubleValue("city-radius-km", 0.001, 20_000);
    boolean overwrite = r.bool("overwrite");
    return spark -> run(spark, inputs, output, radius, overwrite);
  }

  public static List<DatasetAnalysis> run(SparkSession spark, List<NamedInputs.NamedInput> inputs, String output, double radius,
      boolean overwrite) {
    Map<String, String> paths = new java.util.LinkedHashMap<>();
    inputs.forEach(in -> paths.put("--input " + in.name(), in.uri()));
    OutputDir out = OutputDir.prepare(spark, output, overwrite, "--output", paths);
    List<DatasetAnalysis> analyses = new ArrayList<>();
    DatasetAnalyzer analyzer = DatasetAnalyzer.worldCities(radius);
    for (NamedInputs.NamedInput in : inputs) {
      Dataset<Row> table = InputTables.read(spark, in.uri(), "auto", "--input");
      String lat = InputTables.column(table, "auto", List.of("true_lat", "LAT", "lat", "latitude"), "--input (lat)", in.uri());
      String lon = InputTables.column(table, "auto", List.of("true_lon", "LON", "lon", "lng", "longitude"), "--input (lon)", in.uri());
      String name = in.name();
      spark.sparkContext().setJobDescription("analyze-dataset: " + name);
      DatasetAnalysisAccumulator acc = table
          .selectExpr("try_cast(" + LocationRows.quote(lat) + " AS DOUBLE)", "try_cast(" + LocationRows.quote(lon) + " AS DOUBLE)")
          .na().drop()
          .javaRDD().mapPartitions(it -> {
            DatasetAnalyzer a = DatasetAnalyzer.worldCities(radius);
            DatasetAnalysisAccumulator p = a.newAccumulator(name);
            while (it.hasNext()) {
              Row r = it.next();
              double la = r.getDouble(0);
              double lo = r.getDouble(1);
              if (la >= -90 && la <= 90 && lo >= -180 && lo <= 180) {
                a.add(p, la, lo);
              }
            }
            return List.of(p).iterator();
          }).treeReduce(DatasetAnalysisAccumulator::merge);
      DatasetAnalysis analysis = analyzer.result(acc);
      LOG.info("{}: {} images, {} within {} km of a city ({} cities), Gini {}", name, analysis.images(),
          analysis.assignedImages(), radius, analysis.citiesWithImages(), String.format("%.3f", analysis.gini()));
      analyses.add(analysis);
    }
    write(spark, out, analyses);
    out.commit(NAME);
    return analyses;
  }

  private static void write(SparkSession spark, OutputDir out, List<DatasetAnalysis> analyses) {
    try {
      Path local = Files.createTempDirectory("geodecoder-analysis-");
      List<Path> files = new ArrayList<>();
      Map<String, Object> json = new TreeMap<>();
      for (DatasetAnalysis a : analyses) {
        Path density = local.resolve("density-" + a.dataset().replaceAll("[^A-Za-z0-9._-]", "_") + ".png");
        DensityMap.render(a, density);
        files.add(density);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("images", a.images());
        m.put("assigned_images", a.assignedImages());
        m.put("unassigned_images", a.unassignedImages());
        m.put("cities_with_images", a.citiesWithImages());
        m.put("city_radius_km", a.radiusKm());
        m.put("gini", a.gini());
        List<String> top = new ArrayList<>();
        a.topCities().stream().limit(20).forEach(c -> top.add(String.valueOf(c)));
        m.put("top_cities", top);
        json.put(a.dataset(), m);
      }
      if (analyses.stream().anyMatch(a -> a.assignedImages() > 0)) {
        Path lorenz = local.resolve("lorenz-curve.png");
        LorenzChart.render(analyses, lorenz);
        files.add(lorenz);
      }
      out.moveFromLocal(files);
      out.writeJson("analysis.json", json);
      Files.deleteIfExists(local);
    } catch (IOException e) {
      throw new JobFailedException("Cannot write the analysis to " + out.root() + ": " + e.getMessage(), e);
    }
  }
}
