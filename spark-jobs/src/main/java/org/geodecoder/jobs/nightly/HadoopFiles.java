package org.geodecoder.jobs.nightly;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Small control files (pointers, markers, locks, JSON state) on any Hadoop filesystem, written
 * so that a reader never sees a half-written file:
 * <ul>
 *   <li>local disks: {@code java.nio} (temporary file + atomic rename; exclusive create through
 *       a hard link, which is atomic and publishes complete content);
 *   <li>HDFS and other filesystems with atomic rename: temporary file + {@link FileContext}
 *       rename with {@code OVERWRITE} (atomic in the NameNode); exclusive create with
 *       {@code create(overwrite=false)} (atomic in the NameNode);
 *   <li>object stores (s3a, gs, abfs, ...): one PUT, which becomes visible whole on close;
 *       exclusive create asks for a conditional write ({@code If-None-Match}, S3A in Hadoop
 *       3.4.2+), else is check-then-create.
 * </ul>
 * Local files are read and written through {@code java.nio} only, so that Hadoop's checksum
 * side files ({@code .name.crc}) never disagree with their contents.
 */
final class HadoopFiles {
  /** Filesystems whose writes become visible whole on close, and whose rename is a copy. */
  private static final Set<String> OBJECT_STORES =
      Set.of("s3a", "s3", "s3n", "gs", "abfs", "abfss", "wasb", "wasbs", "oss", "cosn", "obs");
  /** Hadoop's createFile() option for "fail if the object exists" (S3A If-None-Match). */
  private static final String CONDITIONAL_CREATE = "fs.option.create.conditional.overwrite";

  private HadoopFiles() {}

  static boolean isLocal(FileSystem fs) {
    return fs instanceof LocalFileSystem || fs instanceof RawLocalFileSystem;
  }

  static boolean isObjectStore(FileSystem fs) {
    return OBJECT_STORES.contains(fs.getScheme().toLowerCase(Locale.ROOT));
  }

  static java.nio.file.Path local(FileSystem fs, Path p) {
    return java.nio.file.Paths.get(fs.makeQualified(p).toUri());
  }

  /** The file's text (UTF-8), or empty when it does not exist. */
  static Optional<String> read(FileSystem fs, Path p) {
    try {
      if (isLocal(fs)) {
        java.nio.file.Path f = local(fs, p);
        return Files.isRegularFile(f) ? Optional.of(Files.readString(f, StandardCharsets.UTF_8)) : Optional.empty();
      }
      try (InputStream in = fs.open(p)) {
        return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (FileNotFoundException | java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + p, e);
    }
  }

  static boolean exists(FileSystem fs, Path p) {
    try {
      return isLocal(fs) ? Files.exists(local(fs, p)) : fs.exists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot access " + p, e);
    }
  }

  /** Replaces (or creates) a file so that readers see either the old or the new content. */
  static void writeAtomically(FileSystem fs, Path p, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    try {
      if (isLocal(fs)) {
        java.nio.file.Path target = local(fs, p);
        java.nio.file.Path tmp = writeLocalTemp(target, bytes);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.deleteIfExists(target.resolveSibling("." + target.getFileName() + ".crc"));
        return;
      }
      if (isObjectStore(fs)) {
        try (OutputStream out = fs.create(p, true)) {
          out.write(bytes);
        }
        return;
      }
      Path tmp = new Path(p.getParent(), "." + p.getName() + "." + UUID.randomUUID() + ".tmp");
      try (OutputStream out = fs.create(tmp, false)) {
        out.write(bytes);
      }
      FileContext.getFileContext(fs.getUri(), fs.getConf()).rename(tmp, p, Options.Rename.OVERWRITE);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write " + p, e);
    }
  }

  /**
   * Creates a file with the given content only if no file of that name exists, atomically
   * where the filesystem allows it (see the class comment).
   *
   * @return false when the file already exists
   */
  static boolean createExclusive(FileSystem fs, Path p, String content) {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    try {
      if (isLocal(fs)) {
        java.nio.file.Path target = local(fs, p);
        java.nio.file.Path tmp = writeLocalTemp(target, bytes);
        try {
          Files.createLink(target, tmp); // atomic, fails if target exists, content already complete
          return true;
        } catch (FileAlreadyExistsException e) {
          return false;
        } catch (UnsupportedOperationException | IOException e) {
          // No hard links on this disk: O_EXCL create, then the content.
          try (OutputStream out = Files.newOutputStream(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            out.write(bytes);
            return true;
          } catch (FileAlreadyExistsException e2) {
            return false;
          }
        } finally {
          Files.deleteIfExists(tmp);
        }
      }
      if (fs.exists(p)) {
        return false;
      }
      org.apache.hadoop.fs.FSDataOutputStreamBuilder<?, ?> builder = fs.createFile(p);
      builder.overwrite(false);
      builder.recursive();
      builder.opt(CONDITIONAL_CREATE, "true");
      try (OutputStream out = builder.build()) {
        out.write(bytes);
      }
      return true;
    } catch (org.apache.hadoop.fs.FileAlreadyExistsException e) {
      return false;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("PreconditionFailed") || m.contains("412")) {
        return false; // S3 conditional write lost the race
      }
      throw new UncheckedIOException("Cannot create " + p, e);
    }
  }

  /** The complete content in a hidden temporary file beside {@code target} (which it creates the directory of). */
  private static java.nio.file.Path writeLocalTemp(java.nio.file.Path target, byte[] bytes) throws IOException {
    Files.createDirectories(target.getParent());
    java.nio.file.Path tmp = target.resolveSibling("." + target.getFileName() + "." + UUID.randomUUID() + ".tmp");
    Files.write(tmp, bytes);
    return tmp;
  }

  /** Deletes a file or directory tree; no error when it does not exist. */
  static void delete(FileSystem fs, Path p) {
    try {
      if (isLocal(fs)) {
        java.nio.file.Path f = local(fs, p);
        if (Files.isDirectory(f)) {
          try (var walk = Files.walk(f)) {
            for (java.nio.file.Path x : walk.sorted(Comparator.reverseOrder()).toList()) {
              Files.deleteIfExists(x);
            }
          }
        } else {
          Files.deleteIfExists(f);
          Files.deleteIfExists(f.resolveSibling("." + f.getFileName() + ".crc"));
        }
        return;
      }
      fs.delete(p, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + p, e);
    }
  }

  /** The entries of a directory sorted by name; empty when it does not exist. */
  static List<FileStatus> list(FileSystem fs, Path dir) {
    try {
      if (!fs.exists(dir)) {
        return List.of();
      }
      List<FileStatus> out = new ArrayList<>(Arrays.asList(fs.listStatus(dir)));
      out.removeIf(s -> s.getPath().getName().endsWith(".crc"));
      out.sort(Comparator.comparing(s -> s.getPath().getName()));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot list " + dir, e);
    }
  }

  /** Modification time in ms, or -1 when the file does not exist. */
  static long modificationTime(FileSystem fs, Path p) {
    try {
      return fs.getFileStatus(p).getModificationTime();
    } catch (FileNotFoundException e) {
      return -1;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot access " + p, e);
    }
  }

  /** Copies a directory tree (or a file) to a new place, replacing what is there. */
  static void copy(FileSystem srcFs, Path src, FileSystem dstFs, Path dst, Configuration conf) {
    try {
      delete(dstFs, dst);
      if (!FileUtil.copy(srcFs, src, dstFs, dst, false, true, conf)) {
        throw new IOException("copy returned false");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot copy " + src + " to " + dst, e);
    }
  }

  /** Renames (moves) a file; on object stores this is a copy and a delete. */
  static void rename(FileSystem fs, Path src, Path dst) {
    try {
      if (!fs.rename(src, dst)) {
        throw new IOException("rename returned false (does " + dst + " exist, or " + src + " not?)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot move " + src + " to " + dst, e);
    }
  }

  static void mkdirs(FileSystem fs, Path dir) {
    try {
      fs.mkdirs(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot create " + dir, e);
    }
  }
}
