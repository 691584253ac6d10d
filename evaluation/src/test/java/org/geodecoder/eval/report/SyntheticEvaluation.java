package org.geodecoder.eval.report;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.geodecoder.eval.EvaluationAccumulator;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.eval.PaperResults;
import org.geodecoder.eval.analysis.DatasetAnalysis;
import org.geodecoder.eval.analysis.DatasetAnalyzer;
import org.geodecoder.eval.sampling.Gws15kSampler;
import org.geodecoder.geo.GeoPoint;
import org.geodecoder.geo.PhotoLocationSampler;

/**
 * Realistic-looking test data: true locations from the Flickr-like photo sampler (Im2GPS3k,
 * YFCC4k) or the GWS15k sampler, with prediction errors drawn so that the accuracies at the paper's
 * thresholds come out close to the paper's Table 1 row of that dataset.
 */
final class SyntheticEvaluation {
  static final String[] DATASETS = {"Im2GPS3k", "YFCC4k", "GWS15k"};
  private static final double[] BAND_LOW_KM = {0.01, 1, 25, 200, 750, 2500};
  private static final double[] BAND_HIGH_KM = {1, 25, 200, 750, 2500, 19_000};

  final EvaluationAccumulator accumulator = EvaluationAccumulator.create();
  final List<DatasetAnalysis> analyses = new ArrayList<>();

  SyntheticEvaluation(long seed) {
    DatasetAnalyzer analyzer = DatasetAnalyzer.worldCities(DatasetAnalyzer.DEFAULT_RADIUS_KM);
    SplittableRandom random = new SplittableRandom(seed);
    PhotoLocationSampler photos = PhotoLocationSampler.worldCities(seed);
    Gws15kSampler gws = Gws15kSampler.worldCities(seed);
    for (String dataset : DATASETS) {
      PaperResults.Table1Row paper = PaperResults.table1Row(dataset).orElseThrow();
      double[] cumulative = paper.accuracyPercent();
      double[] lat = new double[paper.images()];
      double[] lon = new double[paper.images()];
      for (int i = 0; i < paper.images(); i++) {
        if (dataset.equals("GWS15k")) {
          var s = gws.draw(i);
          lat[i] = s.latDegrees();
          lon[i] = s.lonDegrees();
        } else {
          double[] p = photos.sample(i + (dataset.equals("YFCC4k") ? 1_000_000L : 0));
          lat[i] = p[0];
          lon[i] = p[1];
        }
        double u = 100 * random.nextDouble();
        int band = 0;
        while (band < cumulative.length && u > cumulative[band]) {
          band++;
        }
        double km = BAND_LOW_KM[band]
            * Math.pow(BAND_HIGH_KM[band] / BAND_LOW_KM[band], random.nextDouble());
        GeoPoint predicted = GreatCircle.destination(
            lat[i], lon[i], 2 * Math.PI * random.nextDouble(), km);
        accumulator.add(dataset, lat[i], lon[i], predicted.latDegrees(), predicted.lonDegrees(),
            random.nextInt(3), random.nextInt(16),
            new int[] {i % 7, i % 5}, new int[] {i % 7, (i % 10 == 0) ? -1 : i % 3});
      }
      analyses.add(analyzer.analyze(dataset, lat, lon));
    }
  }
}
