package org.geodecoder.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.geodecoder.jobs.testing.LoopbackS3Server;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3A end to end against a real S3-compatible server on 127.0.0.1: synth writes its manifest,
 * images and tars to a bucket; ingest reads them from s3a:// and writes shards back; the
 * shards equal those of the same ingest on local files; the secret key appears in no log line
 * and not in summary.json.
 */
class S3aIngestTest {
  @TempDir Path tmp;

  @Test
  void synthIngestRoundTripThroughS3a() throws Exception {
    StringWriter logs = new StringWriter();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    WriterAppender appender = WriterAppender.newBuilder().setName("capture").setTarget(logs)
        .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build()).build();
    appender.start();
    ctx.getConfiguration().getRootLogger().addAppender(appender, Level.ALL, null);
    ctx.getConfiguration().getLoggerConfig("org.geodecoder").addAppender(appender, Level.ALL, null);
    ctx.updateLoggers();

    try (LoopbackS3Server s3 = LoopbackS3Server.start(tmp.resolve("s3"), "geo")) {
      SparkSession.Builder b = SparkSession.builder().master("local[2]").appName("S3aIngestTest")
          .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4");
      s3.hadoopConf().forEach((k, v) -> b.config("spark.hadoop." + k, v));
      SparkSession spark = b.getOrCreate();
      try {
        SynthGenerator gen = new SynthGenerator(11, "photo", 48, 0.9f);
        SynthJob.run(spark, "s3a://geo/synth", true, gen, 0, 60, "both");
        SynthJob.run(spark, tmp.resolve("local-synth").toString(), true, gen, 0, 60, "dir");

        IngestJob.Result remote = IngestJob.run(spark, IngestOptions.parse(Map.of(
            "manifest", "s3a://geo/synth/manifest.csv", "images", "s3a://geo/synth/tars",
            "output", "s3a://geo/ingest", "split", "author:0.3")));
        IngestJob.Result local = IngestJob.run(spark, IngestOptions.parse(Map.of(
            "manifest", tmp.resolve("local-synth/manifest.csv").toString(),
            "output", tmp.resolve("local-ingest").toString(), "split", "author:0.3")));
        assertEquals(60, remote.imagesWritten());
        assertEquals(Map.of(), remote.rejectsByReason());

        List<Row> fromS3 = spark.read().parquet("s3a://geo/ingest/shards").orderBy("id").collectAsList();
        List<Row> fromDisk = spark.read().parquet(tmp.resolve("local-ingest/shards").toString()).orderBy("id").collectAsList();
        assertEquals(60, fromS3.size());
        assertEquals(fromDisk, fromS3, "s3a tar ingest equals local directory ingest, bytes included");

        org.apache.hadoop.fs.Path summaryPath = new org.apache.hadoop.fs.Path("s3a://geo/ingest/summary.json");
        FileSystem fs = summaryPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
        String summary;
        try (FSDataInputStream in = fs.open(summaryPath)) {
          summary = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertTrue(summary.contains("\"images_written\" : 60"), summary);
        assertFalse(summary.contains(LoopbackS3Server.SECRET_KEY), "secret in summary.json");
      } finally {
        spark.stop();
      }
    } finally {
      ctx.getConfiguration().getRootLogger().removeAppender("capture");
      ctx.getConfiguration().getLoggerConfig("org.geodecoder").removeAppender("capture");
      ctx.updateLoggers();
      appender.stop();
    }
    String captured = logs.toString();
    assertTrue(captured.contains("IngestJob"), "the capture saw the job's log lines");
    assertFalse(captured.contains(LoopbackS3Server.SECRET_KEY), "secret key in the logs");
  }
}
