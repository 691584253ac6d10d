package org.geodecoder.jobs.images;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.jobs.io.HadoopConf;
import org.slf4j.LoggerFactory;

/**
 * Where encoded images come from, shared by the jobs that read them (ingest, score): the files
 * of a directory tree and the members of tar archives, on any Hadoop filesystem. Bad data never
 * throws: a file that cannot be read is a {@link FileRead} with a reason, a corrupt archive
 * member an entry with {@code entry_error}.
 *
 * <p>Paths are relative to the root given, with no leading {@code ./} or {@code /}: they are the
 * ids of images that come without a manifest. Names starting with {@code .} or {@code _} (Hadoop's
 * hidden files: {@code _SUCCESS}, {@code .crc}) are not images and are never listed.
 */
public final class ImageSources {
  /** One archive member: its normalised path, bytes (null when unreadable), error, archive. */
  public static final StructType TAR_ENTRY_SCHEMA = new StructType()
      .add("entry_path", DataTypes.StringType, false)
      .add("data", DataTypes.BinaryType, true)
      .add("entry_error", DataTypes.StringType, true)
      .add("archive", DataTypes.StringType, false);

  /** The files of a directory tree: the path relative to the root. */
  public static final StructType FILE_SCHEMA = new StructType().add("path", DataTypes.StringType, false);

  private ImageSources() {}

  /** Archive members and manifests write paths as "./a/b.jpg", "/a/b.jpg" or "a/b.jpg". */
  public static String normalizePath(String path) {
    return path.trim().replaceFirst("^(\\./|/)+", "");
  }

  /** Hadoop's convention for files that are not data. */
  static boolean isHidden(String name) {
    return name.startsWith(".") || name.startsWith("_");
  }

  /**
   * Whether {@code uri} is a {@code .tar} file or a directory holding {@code .tar} files.
   *
   * @param option the option that named it, for error messages
   */
  public static boolean isTarInput(HadoopConf conf, String uri, String option) {
    Path p = new Path(uri);
    try {
      FileSystem fs = p.getFileSystem(conf.get());
      if (!fs.exists(p)) {
        throw new JobFailedException("Images location " + uri + " (" + option + ") does not exist");
      }
      if (fs.getFileStatus(p).isFile()) {
        return uri.endsWith(".tar");
      }
      for (FileStatus f : fs.listStatus(p)) {
        if (f.isFile() && f.getPath().getName().endsWith(".tar")) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new JobFailedException("Cannot access " + uri + " (" + option + "): " + e.getMessage(), e);
    }
  }

  /**
   * Every member of every tar archive ({@code uri}: one .tar or a directory of them, in name
   * order), as {@link #TAR_ENTRY_SCHEMA}: one task per archive, streamed, never unpacked to disk.
   */
  public static Dataset<Row> tarEntries(SparkSession spark, HadoopConf conf, String uri, String option) {
    List<String> archives = new ArrayList<>();
    try {
      Path p = new Path(uri);
      FileSystem fs = p.getFileSystem(conf.get());
      if (fs.getFileStatus(p).isFile()) {
        archives.add(p.toString());
      } else {
        for (FileStatus f : fs.listStatus(p)) {
          if (f.isFile() && f.getPath().getName().endsWith(".tar")) {
            archives.add(f.getPath().toString());
          }
        }
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot list tar archives in " + uri + " (" + option + "): " + e.getMessage(), e);
    }
    archives.sort(null);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> rows = jsc.parallelize(archives, Math.max(1, archives.size())).flatMap(archive -> readTar(conf, archive));
    return spark.createDataFrame(rows, TAR_ENTRY_SCHEMA);
  }

  /** Streams the members of one archive: one member in memory at a time. */
  static Iterator<Row> readTar(HadoopConf conf, String archive) throws IOException {
    Path p = new Path(archive);
    InputStream raw = p.getFileSystem(conf.get()).open(p);
    TarArchiveInputStream tar = new TarArchiveInputStream(raw);
    return new Iterator<Row>() {
      private boolean done;
      private String lastMember = "";
      private Row next = advance();

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Row next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        Row r = next;
        next = advance();
        return r;
      }

      private Row advance() {
        if (done) {
          return null;
        }
        TarArchiveEntry entry = null;
        try {
          while ((entry = tar.getNextEntry()) != null) {
            if (!entry.isFile()) {
              continue;
            }
            byte[] data = tar.readAllBytes();
            if (data.length != entry.getSize()) {
              throw new IOException("member holds " + data.length + " of " + entry.getSize() + " bytes");
            }
            lastMember = normalizePath(entry.getName());
            return RowFactory.create(lastMember, data, null, archive);
          }
          finish();
          return null;
        } catch (IOException | RuntimeException e) {
          // A corrupt member ends what can be read of this archive: report it; later members
          // show up as missing files of the manifest rows that name them.
          finish();
          String name = entry != null ? normalizePath(entry.getName()) : "";
          LoggerFactory.getLogger(ImageSources.class).warn("Corrupt tar archive {} at member '{}': {}", archive, name,
              e.getMessage());
          String where = entry != null ? "" : " (no readable member header after '" + lastMember + "')";
          return RowFactory.create(name, null, ImageProbe.Reason.CORRUPT_ARCHIVE_MEMBER.code + ": " + e.getMessage() + where, archive);
        }
      }

      private void finish() {
        done = true;
        try {
          tar.close();
        } catch (IOException ignored) {
          // nothing left to read
        }
      }
    };
  }

  /**
   * The bytes of one file, or why there are none.
   *
   * @param bytes the content; null when rejected
   * @param reason null when read
   * @param length bytes on disk (0 when unknown)
   */
  public record FileRead(byte[] bytes, ImageProbe.Reason reason, long length) {}

  /** Reads one file; files over {@code maxBytes} are not read ({@link ImageProbe.Reason#TOO_LARGE}). */
  public static FileRead readFile(FileSystem fs, Path file, long maxBytes) {
    try {
      FileStatus st = fs.getFileStatus(file);
      if (st.getLen() > maxBytes) {
        return new FileRead(null, ImageProbe.Reason.TOO_LARGE, st.getLen());
      }
      try (InputStream in = fs.open(st.getPath())) {
        byte[] bytes = in.readAllBytes();
        return new FileRead(bytes, null, bytes.length);
      }
    } catch (FileNotFoundException e) {
      return new FileRead(null, ImageProbe.Reason.MISSING_FILE, 0);
    } catch (IOException | IllegalArgumentException e) {
      return new FileRead(null, ImageProbe.Reason.UNREADABLE_FILE, 0);
    }
  }

  /**
   * The files of a tree.
   *
   * @param root qualified URI of the directory the paths are relative to (for one file: its
   *     parent)
   * @param files {@link #FILE_SCHEMA} rows, in no particular order
   */
  public record FileListing(String root, Dataset<Row> files) {}

  /**
   * Every non-hidden file under {@code uri} (a directory tree, or one file). The driver lists
   * the root; each top-level subdirectory is listed recursively by a task, so trees of millions
   * of files list in parallel and their paths never pass through the driver.
   */
  public static FileListing listFiles(SparkSession spark, HadoopConf conf, String uri, String option) {
    Path root = new Path(uri);
    List<String> rootFiles = new ArrayList<>();
    List<String> subdirs = new ArrayList<>();
    String rootPath;
    try {
      FileSystem fs = root.getFileSystem(conf.get());
      Path qualified = fs.makeQualified(root);
      FileStatus st;
      try {
        st = fs.getFileStatus(qualified);
      } catch (FileNotFoundException e) {
        throw new JobFailedException("Input " + uri + " (" + option + ") does not exist");
      }
      if (st.isFile()) {
        rootPath = qualified.getParent().toString();
        rootFiles.add(qualified.getName());
      } else {
        rootPath = qualified.toString();
        for (FileStatus f : fs.listStatus(qualified)) {
          String name = f.getPath().getName();
          if (!isHidden(name)) {
            (f.isDirectory() ? subdirs : rootFiles).add(name);
          }
        }
      }
    } catch (IOException e) {
      throw new JobFailedException("Cannot list " + uri + " (" + option + "): " + e.getMessage(), e);
    }
    subdirs.sort(null);
    rootFiles.sort(null);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    JavaRDD<Row> files = jsc.parallelize(rootFiles, 1).map(RowFactory::create);
    if (!subdirs.isEmpty()) {
      int tasks = Math.max(1, Math.min(subdirs.size(), 4 * jsc.defaultParallelism()));
      files = files.union(jsc.parallelize(subdirs, tasks).flatMap(d -> listTree(conf, rootPath, d)));
    }
    return new FileListing(rootPath, spark.createDataFrame(files, FILE_SCHEMA));
  }

  /** The non-hidden files under {@code root/dir}, as paths relative to {@code root}. */
  private static Iterator<Row> listTree(HadoopConf conf, String root, String dir) throws IOException {
    Path base = new Path(root);
    FileSystem fs = base.getFileSystem(conf.get());
    String prefix = base.toUri().getPath();
    prefix = prefix.endsWith("/") ? prefix : prefix + "/";
    List<Row> out = new ArrayList<>();
    RemoteIterator<LocatedFileStatus> it = fs.listFiles(new Path(base, dir), true);
    while (it.hasNext()) {
      LocatedFileStatus f = it.next();
      String path = f.getPath().toUri().getPath();
      if (!path.startsWith(prefix)) {
        throw new IOException("Listed " + f.getPath() + " outside " + root);
      }
      String relative = path.substring(prefix.length());
      boolean hidden = false;
      for (String part : relative.split("/")) {
        hidden |= isHidden(part);
      }
      if (!hidden) {
        out.add(RowFactory.create(relative));
      }
    }
    return out.iterator();
  }
}
