package org.geodecoder.jobs.ingest;

import java.io.Serializable;
import java.util.Iterator;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.images.ImageSources;
import org.geodecoder.jobs.io.HadoopConf;

/**
 * What ingest does to each manifest row that has a valid location: fetch its image (from a
 * directory tree, or from the archive member joined to it), check it, resize it if asked, and
 * assign the split. Produces a shard row, or a reject with its reason; never throws for bad
 * data.
 */
final class ImageWork implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int maxSide;
  private final float jpegQuality;
  private final long maxImageBytes;
  private final AuthorSplit split;
  private final long maxPixels;

  ImageWork(int maxSide, float jpegQuality, long maxImageBytes, AuthorSplit split, long maxPixels) {
    this.maxSide = maxSide;
    this.jpegQuality = jpegQuality;
    this.maxImageBytes = maxImageBytes;
    this.split = split;
    this.maxPixels = maxPixels;
  }

  /** Shard columns (nullable, since rejects share the rows), reason, input row, input bytes. */
  static StructType resultSchema(DataType inputRow) {
    StructType s = new StructType();
    for (var f : IngestJob.SHARD_SCHEMA.fields()) {
      s = s.add(f.name(), f.dataType(), true);
    }
    return s.add("reason", DataTypes.StringType, true)
        .add("input_row", inputRow, true)
        .add("in_bytes", DataTypes.LongType, false);
  }

  /** Rows of the validated manifest → results, reading each image from {@code root/path}. */
  FlatMapFunction<Iterator<Row>, Row> fromDirectory(HadoopConf conf, String root) {
    return rows -> {
      Path base = new Path(root);
      FileSystem fs = base.getFileSystem(conf.get());
      // Lazy: one image in memory at a time, whatever the partition size.
      return new Iterator<Row>() {
        @Override
        public boolean hasNext() {
          return rows.hasNext();
        }

        @Override
        public Row next() {
          return fromFile(fs, base, rows.next());
        }
      };
    };
  }

  private Row fromFile(FileSystem fs, Path base, Row r) {
    ImageSources.FileRead read = ImageSources.readFile(fs, new Path(base, (String) r.getAs("path")), maxImageBytes);
    return read.reason() != null ? reject(r, read.reason(), read.length()) : process(r, read.bytes());
  }

  /** A manifest row left-joined with its archive member (entry_path, data, entry_error). */
  Row fromArchive(Row r) {
    String error = r.getAs("entry_error");
    byte[] data = r.getAs("data");
    if (error != null) {
      return reject(r, ImageProbe.Reason.CORRUPT_ARCHIVE_MEMBER, 0);
    }
    if (data == null) {
      return reject(r, ImageProbe.Reason.MISSING_FILE, 0);
    }
    if (data.length > maxImageBytes) {
      return reject(r, ImageProbe.Reason.TOO_LARGE, data.length);
    }
    return process(r, data);
  }

  private Row process(Row r, byte[] bytes) {
    try {
      ImageProbe.ImageInfo info = ImageProbe.probe(bytes);
      checkDeclared(info, r.getAs("path"), maxPixels);
      ImageResizer.Resized img = ImageResizer.limit(bytes, info.width(), info.height(), maxSide, jpegQuality);
      String author = r.getAs("author");
      if (author == null || author.isEmpty()) {
        author = r.getAs("id");
      }
      return RowFactory.create(r.getAs("id"), author, r.getAs("lat_d"), r.getAs("lon_d"), r.getAs("scene3"),
          r.getAs("scene16"), r.getAs("scene365"), img.bytes(), img.width(), img.height(), split.splitOf(author), null,
          r.getAs("input_row"), (long) bytes.length);
    } catch (ImageProbe.RejectedImageException e) {
      return reject(r, e.reason(), bytes.length);
    }
  }

  /**
   * The header's pixel count against --max-pixels, and the file name's format against the
   * content (a PNG named .jpg): both would fail later, in train or score, image by image.
   */
  static void checkDeclared(ImageProbe.ImageInfo info, String path, long maxPixels) throws ImageProbe.RejectedImageException {
    long pixels = (long) info.width() * info.height();
    if (pixels > maxPixels) {
      throw new ImageProbe.RejectedImageException(ImageProbe.Reason.TOO_MANY_PIXELS,
          info.width() + "x" + info.height() + " = " + pixels + " pixels, more than --max-pixels " + maxPixels);
    }
    String name = path == null ? "" : path.toLowerCase(java.util.Locale.ROOT);
    String declared = name.endsWith(".jpg") || name.endsWith(".jpeg") ? "jpeg" : name.endsWith(".png") ? "png" : null;
    if (declared != null && !declared.equals(info.format())) {
      throw new ImageProbe.RejectedImageException(ImageProbe.Reason.FORMAT_MISMATCH,
          "the name says " + declared + ", the content is " + info.format());
    }
  }

  private static Row reject(Row r, ImageProbe.Reason reason, long bytes) {
    return RowFactory.create(r.getAs("id"), null, null, null, null, null, null, null, null, null, null, reason.code,
        r.getAs("input_row"), bytes);
  }
}
