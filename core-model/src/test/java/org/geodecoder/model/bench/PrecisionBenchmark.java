package org.geodecoder.model.bench;

import java.util.Locale;
import org.geodecoder.model.Precision;
import org.geodecoder.model.PrecisionRuns;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * bf16 against fp32 side by side, per seed: the same data, the same initial weights, the same
 * schedule; prints the final training loss, the held-out finest-class accuracy and training
 * samples/s of each, and the means. Run with {@code mvn -Pbench -pl core-model -am test
 * -Dtest=PrecisionBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; {@code
 * -Dgeodecoder.bench.seeds=1,2,3}, {@code -Dgeodecoder.bench.epochs=6}, {@code
 * -Dgeodecoder.bench.train=128}.
 */
@EnabledIfSystemProperty(named = "geodecoder.bench", matches = "true")
class PrecisionBenchmark {
  @Test
  void bf16AgainstFp32() {
    String[] seeds = System.getProperty("geodecoder.bench.seeds", "1,2,3").split(",");
    int epochs = Integer.getInteger("geodecoder.bench.epochs", 6);
    int train = Integer.getInteger("geodecoder.bench.train", 128);
    int batch = 16;
    StringBuilder table = new StringBuilder(
        "| seed | precision | final train loss | held-out finest-class acc | train samples/s |\n|---|---|---|---|---|\n");
    double[][] sums = new double[2][3];
    for (String s : seeds) {
      long seed = Long.parseLong(s.trim());
      PrecisionRuns.Data data = PrecisionRuns.generate(train, 64, 100 + seed);
      for (Precision p : Precision.values()) {
        PrecisionRuns.Run run = PrecisionRuns.train(PrecisionRuns.nano(p), data, epochs, batch, seed);
        double loss = run.losses()[epochs - 1];
        String row = String.format(Locale.ROOT, "| %d | %s | %.4f | %.3f | %.1f |%n", seed, p, loss, run.heldOut(),
            run.samplesPerSecond());
        System.out.print(row);
        table.append(row);
        double[] sum = sums[p.ordinal()];
        sum[0] += loss;
        sum[1] += run.heldOut();
        sum[2] += run.samplesPerSecond();
      }
    }
    for (Precision p : Precision.values()) {
      double[] sum = sums[p.ordinal()];
      table.append(String.format(Locale.ROOT, "| mean | %s | %.4f | %.3f | %.1f |%n", p, sum[0] / seeds.length,
          sum[1] / seeds.length, sum[2] / seeds.length));
    }
    System.out.println("nano Swin + GeoDecoder, " + train + " training images, " + epochs + " epochs of batch " + batch
        + ", 64 held out, CPU\n" + table);
  }
}
