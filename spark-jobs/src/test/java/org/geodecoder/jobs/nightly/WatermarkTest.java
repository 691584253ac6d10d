package org.geodecoder.jobs.nightly;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WatermarkTest {
  @TempDir java.nio.file.Path tmp;

  private FileStatus manifest(FileSystem fs, String name, long mtimeMillis) throws Exception {
    java.nio.file.Path f = tmp.resolve("drops").resolve(name);
    Files.createDirectories(f.getParent());
    Files.writeString(f, "IMG_ID,LAT,LON\n" + name + ",1,2\n");
    Files.setLastModifiedTime(f, FileTime.fromMillis(mtimeMillis));
    return fs.getFileStatus(new Path(f.toUri()));
  }

  @Test
  void onlyManifestsNotIngestedYetAreNewOldestFirstAndTheFileRoundTrips() throws Exception {
    FileSystem fs = FileSystem.getLocal(new Configuration());
    FileStatus a = manifest(fs, "a.csv", 1_000_000);
    FileStatus b = manifest(fs, "b.csv", 2_000_000);
    Path file = new Path(tmp.resolve("work/watermark.json").toUri());

    Watermark empty = Watermark.load(fs, file);
    assertEquals(-1, empty.maxModificationTime());
    assertEquals(List.of(a.getPath(), b.getPath()), paths(empty.newManifests(List.of(b, a))));

    Watermark wm = empty.with(new Watermark.Entry(a.getPath().toString(), a.getLen(), a.getModificationTime(), "a-1", "run-1"))
        .with(new Watermark.Entry(b.getPath().toString(), b.getLen(), b.getModificationTime(), "b-1", "run-1"));
    wm.save(fs, file);
    Watermark loaded = Watermark.load(fs, file);
    assertEquals(wm.entries(), loaded.entries());
    assertEquals(2_000_000, loaded.maxModificationTime());

    // A new manifest, and a late one with an older time than everything ingested: both new.
    FileStatus c = manifest(fs, "c.csv", 3_000_000);
    FileStatus late = manifest(fs, "late.csv", 500_000);
    assertEquals(List.of(late.getPath(), c.getPath()), paths(loaded.newManifests(List.of(a, b, c, late))));
    assertTrue(loaded.changed(List.of(a, b, c)).isEmpty());

    // An ingested manifest rewritten later is reported as changed, and not ingested again.
    FileStatus a2 = manifest(fs, "a.csv", 4_000_000);
    assertEquals(List.of(a2.getPath()), paths(loaded.changed(List.of(a2, b))));
    assertFalse(paths(loaded.newManifests(List.of(a2, b))).contains(a2.getPath()));
    String text = Files.readString(tmp.resolve("work/watermark.json"));
    assertTrue(text.contains("\"max_modification_time\" : 2000000"), text);
  }

  private static List<Path> paths(List<FileStatus> s) {
    return Arrays.asList(s.stream().map(FileStatus::getPath).toArray(Path[]::new));
  }
}
