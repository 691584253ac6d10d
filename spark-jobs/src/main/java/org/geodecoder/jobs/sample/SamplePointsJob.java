package org.geodecoder.jobs.sample;

import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.AbstractJob;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code geodecoder sample-points}: writes realistic photo locations as an MP-16-style CSV. */
public final class SamplePointsJob extends AbstractJob {
  public static final String NAME = "sample-points";
  private static final Logger LOG = LoggerFactory.getLogger(SamplePointsJob.class);

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("output", "output directory for the CSV part files (any Hadoop URI)"),
      OptionSpec.withDefault("count", 1_000_000, "number of points"),
      OptionSpec.withDefault("seed", 42, "random seed; the same seed gives the same points"));

  public SamplePointsJob() {
    super(NAME, "Generate realistic photo locations (clustered around world cities) as an MP-16-style CSV", SPECS);
  }

  public static void main(String[] args) {
    GeoDecoderCli.main(GeoDecoderCli.withJob(NAME, args));
  }

  @Override
  public Prepared prepare(Map<String, String> options) {
    JobOptionsReader r = new JobOptionsReader(NAME, SPECS, options);
    String output = r.requiredString("output");
    long count = r.longValue("count", 1);
    long seed = r.longValue("seed", Long.MIN_VALUE);
    return spark -> {
      long t0 = System.nanoTime();
      SamplePoints.writeCsv(spark, count, seed, output);
      LOG.info("Wrote {} sample points to {} in {} s", count, output, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    };
  }
}
