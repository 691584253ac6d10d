package org.geodecoder.eval.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.geodecoder.eval.EvaluationAccumulator;
import org.geodecoder.eval.EvaluationResult;
import org.geodecoder.eval.GreatCircle;
import org.geodecoder.eval.analysis.DatasetAnalysisAccumulator;
import org.geodecoder.eval.analysis.DatasetAnalyzer;
import org.geodecoder.geo.GeoPoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Metric throughput (runs with -Pbench only): 10M random predictions with S3/S16 scene labels
 * through {@link EvaluationAccumulator}: add (distance + buffering) and result (sorts, threshold
 * counts, percentiles, per-scene breakdowns), single-threaded and as 2 partitions on 2 threads
 * merged like Spark partials. Also nearest-city assignment for the dataset analysis. Target:
 * >= 1M predictions/s.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class EvaluationBenchmark {
  private static final int PREDICTIONS =
      Integer.getInteger("geodecoder.bench.predictions", 10_000_000);

  private static final class Rows {
    final double[] trueLat;
    final double[] trueLon;
    final double[] predLat;
    final double[] predLon;
    final int[] scene3;
    final int[] scene16;

    Rows(int n, long seed) {
      trueLat = new double[n];
      trueLon = new double[n];
      predLat = new double[n];
      predLon = new double[n];
      scene3 = new int[n];
      scene16 = new int[n];
      SplittableRandom random = new SplittableRandom(seed);
      for (int i = 0; i < n; i++) {
        trueLat[i] = Math.toDegrees(Math.asin(2 * random.nextDouble() - 1));
        trueLon[i] = 360 * random.nextDouble() - 180;
        // errors log-uniform between 10 m and 20,000 km, like a real model's spread
        double km = 0.01 * Math.pow(2e6, random.nextDouble());
        GeoPoint p = GreatCircle.destination(
            trueLat[i], trueLon[i], 2 * Math.PI * random.nextDouble(), km);
        predLat[i] = p.latDegrees();
        predLon[i] = p.lonDegrees();
        scene3[i] = random.nextInt(3);
        scene16[i] = random.nextInt(16);
      }
    }

    void addTo(EvaluationAccumulator acc, int from, int to) {
      for (int i = from; i < to; i++) {
        acc.add("bench", trueLat[i], trueLon[i], predLat[i], predLon[i], scene3[i], scene16[i]);
      }
    }
  }

  @Test
  void metricsOnTenMillionPredictions() {
    Rows rows = new Rows(PREDICTIONS, 1);
    Rows warmUp = new Rows(1_000_000, 2);
    EvaluationAccumulator w = EvaluationAccumulator.create();
    warmUp.addTo(w, 0, 1_000_000);
    w.result();

    long t0 = System.nanoTime();
    EvaluationAccumulator single = EvaluationAccumulator.create();
    rows.addTo(single, 0, PREDICTIONS);
    long t1 = System.nanoTime();
    EvaluationResult result = single.result();
    long t2 = System.nanoTime();
    assertEquals(PREDICTIONS, result.datasets().get(0).overall().count());
    report("1 thread", t0, t1, t2);

    long p0 = System.nanoTime();
    int half = PREDICTIONS / 2;
    CompletableFuture<EvaluationAccumulator> first = CompletableFuture.supplyAsync(() -> {
      EvaluationAccumulator a = EvaluationAccumulator.create();
      rows.addTo(a, 0, half);
      return a;
    });
    EvaluationAccumulator second = EvaluationAccumulator.create();
    rows.addTo(second, half, PREDICTIONS);
    EvaluationAccumulator merged = first.join().merge(second);
    long p1 = System.nanoTime();
    EvaluationResult parallel = merged.result();
    long p2 = System.nanoTime();
    assertEquals(result.datasets().get(0).overall().medianKm(),
        parallel.datasets().get(0).overall().medianKm(), 0.0);
    report("2 partitions on 2 threads, merged", p0, p1, p2);

    DatasetAnalyzer analyzer = DatasetAnalyzer.worldCities(25);
    int points = 2_000_000;
    long a0 = System.nanoTime();
    DatasetAnalysisAccumulator acc = analyzer.newAccumulator("bench");
    for (int i = 0; i < points; i++) {
      analyzer.add(acc, rows.trueLat[i], rows.trueLon[i]);
    }
    analyzer.result(acc);
    double seconds = (System.nanoTime() - a0) / 1e9;
    System.out.printf("nearest-city assignment (25 km, 44,691 cities): %,d points in %.2f s = %,.0f"
        + " points/s%n", points, seconds, points / seconds);
  }

  private static void report(String how, long t0, long t1, long t2) {
    double add = (t1 - t0) / 1e9;
    double result = (t2 - t1) / 1e9;
    System.out.printf("%s: %,d predictions: add %.2f s + result %.2f s = %.2f s -> %,.0f "
        + "predictions/s%n", how, PREDICTIONS, add, result, add + result,
        PREDICTIONS / (add + result));
  }
}
