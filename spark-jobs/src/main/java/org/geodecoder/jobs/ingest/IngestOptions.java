package org.geodecoder.jobs.ingest;

import java.util.List;
import java.util.Map;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionSpec;

/** Validated options of {@link IngestJob}. Immutable. */
public final class IngestOptions {
  static final List<String> PATH_CANDIDATES = List.of("path", "image_path", "IMG_PATH", "file", "filename");
  static final List<String> AUTHOR_CANDIDATES = List.of("AUTHOR", "author", "owner", "user_id");
  static final List<String> SCENE3_CANDIDATES = List.of("S3_Label", "scene3");
  static final List<String> SCENE16_CANDIDATES = List.of("S16_Label", "scene16");
  static final List<String> SCENE365_CANDIDATES = List.of("S365_Label", "scene365");

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.required("manifest", "MP-16-style CSV or Parquet: id, lat, lon, image path (default: the id), author, scene labels"),
      OptionSpec.withDefault("images", "", "image root: a directory tree (paths relative to it) or a .tar file / directory of .tar files; none: images/ or tars/ next to the manifest"),
      OptionSpec.withDefault("images-format", "auto", "auto, dir or tar"),
      OptionSpec.withDefault("output", "demo-output/ingest", "output directory (any Hadoop URI): shards/, rejects/, summary.json"),
      OptionSpec.withDefault("format", "auto", "manifest format: auto, csv or parquet"),
      OptionSpec.withDefault("id-col", "auto", "id column; auto: IMG_ID, id, image_id, photo_id"),
      OptionSpec.withDefault("lat-col", "auto", "latitude column; auto: LAT, lat, latitude"),
      OptionSpec.withDefault("lon-col", "auto", "longitude column; auto: LON, lon, lng, longitude"),
      OptionSpec.withDefault("path-col", "auto", "image path column; auto: " + PATH_CANDIDATES + ", else the id (MP-16's IMG_ID is the path)"),
      OptionSpec.withDefault("author-col", "auto", "author column; auto: " + AUTHOR_CANDIDATES + ", else the id"),
      OptionSpec.withDefault("scene3-col", "auto", "scene label columns (optional; -1 when absent); auto: S3_Label"),
      OptionSpec.withDefault("scene16-col", "auto", "auto: S16_Label"),
      OptionSpec.withDefault("scene365-col", "auto", "auto: S365_Label"),
      OptionSpec.withDefault("shard-size-mb", 256, "target size of one output shard"),
      OptionSpec.withDefault("max-side", 0, "resize images whose longer side exceeds this (re-encoded JPEG); 0 keeps them as they are"),
      OptionSpec.withDefault("jpeg-quality", 0.9, "JPEG quality of resized images"),
      OptionSpec.withDefault("max-image-mb", 64, "larger files are rejected"),
      OptionSpec.withDefault("max-pixels", 50_000_000, "images whose header declares more pixels (width x height) are rejected (too_many_pixels): decoding them would need gigabytes"),
      OptionSpec.withDefault("split", "author:0.02", "author:<fraction> (author-disjoint validation split) or none"),
      OptionSpec.withDefault("max-reject-fraction", 0.01, "fail when more than this fraction of rows is rejected"),
      OptionSpec.withDefault("overwrite", false, "replace an existing output directory"));

  final String manifest;
  final String images;
  final String imagesFormat;
  final String output;
  final String format;
  final String idCol;
  final String latCol;
  final String lonCol;
  final String pathCol;
  final String authorCol;
  final String scene3Col;
  final String scene16Col;
  final String scene365Col;
  final long shardBytes;
  final int maxSide;
  final float jpegQuality;
  final long maxImageBytes;
  final long maxPixels;
  final AuthorSplit split;
  final double maxRejectFraction;
  final boolean overwrite;
  final Map<String, String> resolved;

  private IngestOptions(JobOptionsReader r) {
    manifest = r.requiredString("manifest");
    String im = r.string("images");
    images = im == null || im.isEmpty() ? null : im;
    imagesFormat = r.choice("images-format", "auto", "dir", "tar");
    output = r.requiredString("output");
    format = r.choice("format", "auto", "csv", "parquet");
    idCol = r.requiredString("id-col");
    latCol = r.requiredString("lat-col");
    lonCol = r.requiredString("lon-col");
    pathCol = r.requiredString("path-col");
    authorCol = r.requiredString("author-col");
    scene3Col = r.requiredString("scene3-col");
    scene16Col = r.requiredString("scene16-col");
    scene365Col = r.requiredString("scene365-col");
    shardBytes = r.longValue("shard-size-mb", 1) << 20;
    maxSide = r.integer("max-side", 0, 1 << 16);
    jpegQuality = (float) r.doubleValue("jpeg-quality", 0.01, 1.0);
    maxImageBytes = r.longValue("max-image-mb", 1) << 20;
    maxPixels = r.longValue("max-pixels", 1);
    try {
      split = AuthorSplit.parse(r.requiredString("split"));
    } catch (IllegalArgumentException e) {
      throw r.bad("split", r.raw("split"), e.getMessage());
    }
    maxRejectFraction = r.doubleValue("max-reject-fraction", 0, 1);
    overwrite = r.bool("overwrite");
    resolved = r.resolved();
  }

  public static IngestOptions parse(Map<String, String> values) {
    return new IngestOptions(new JobOptionsReader(IngestJob.NAME, SPECS, values));
  }
}
