package org.geodecoder.jobs.nightly;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.jobs.cli.JobFailedException;

/**
 * Which manifest files have been ingested: their full paths, sizes and modification times, and
 * the batch each became. Immutable; {@link #save} replaces the file atomically.
 *
 * <p>A manifest is new when its path has not been ingested, whatever its modification time:
 * files copied in late with an older time are still picked up. A manifest that was ingested and
 * then changed (other size or time) is not ingested again (its images are in the training data
 * already); {@link #changed} lists those so the run can warn about them. The largest
 * modification time seen is kept too, for operators.
 */
public final class Watermark {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  /** One ingested manifest. */
  public record Entry(String path, long size, long modificationTime, String batch, String run) {}

  private final Map<String, Entry> entries; // by path, sorted

  private Watermark(Map<String, Entry> entries) {
    this.entries = entries;
  }

  public static Watermark empty() {
    return new Watermark(new TreeMap<>());
  }

  /** Reads the watermark file; an absent file is an empty watermark. */
  public static Watermark load(FileSystem fs, Path file) {
    Optional<String> text = HadoopFiles.read(fs, file);
    if (text.isEmpty()) {
      return empty();
    }
    try {
      Map<String, Entry> out = new TreeMap<>();
      for (JsonNode n : JSON.readTree(text.get()).path("manifests")) {
        Entry e = new Entry(n.get("path").asText(), n.get("size").asLong(), n.get("modification_time").asLong(),
            n.get("batch").asText(), n.path("run").asText(""));
        out.put(e.path(), e);
      }
      return new Watermark(out);
    } catch (IOException | NullPointerException e) {
      throw new JobFailedException("Watermark " + file + " is not readable (" + e + "); fix or remove it "
          + "(removing it re-ingests every manifest)", e);
    }
  }

  public void save(FileSystem fs, Path file) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("max_modification_time", maxModificationTime());
    List<Object> list = new ArrayList<>();
    for (Entry e : entries.values()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("path", e.path());
      m.put("size", e.size());
      m.put("modification_time", e.modificationTime());
      m.put("batch", e.batch());
      m.put("run", e.run());
      list.add(m);
    }
    root.put("manifests", list);
    try {
      HadoopFiles.writeAtomically(fs, file, JSON.writeValueAsString(root) + "\n");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean contains(String path) {
    return entries.containsKey(path);
  }

  /** This watermark plus one entry (replacing an entry of the same path). */
  public Watermark with(Entry e) {
    Map<String, Entry> copy = new TreeMap<>(entries);
    copy.put(e.path(), e);
    return new Watermark(copy);
  }

  public List<Entry> entries() {
    return List.copyOf(entries.values());
  }

  /** Largest modification time (ms) of the ingested manifests; -1 when none. */
  public long maxModificationTime() {
    return entries.values().stream().mapToLong(Entry::modificationTime).max().orElse(-1);
  }

  /** The manifests not ingested yet, oldest first (then by path). */
  public List<FileStatus> newManifests(List<FileStatus> found) {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus f : found) {
      if (!contains(f.getPath().toString())) {
        out.add(f);
      }
    }
    out.sort(Comparator.comparingLong(FileStatus::getModificationTime).thenComparing(f -> f.getPath().toString()));
    return out;
  }

  /** Ingested manifests whose size or modification time changed since. */
  public List<FileStatus> changed(List<FileStatus> found) {
    List<FileStatus> out = new ArrayList<>();
    for (FileStatus f : found) {
      Entry e = entries.get(f.getPath().toString());
      if (e != null && (e.size() != f.getLen() || e.modificationTime() != f.getModificationTime())) {
        out.add(f);
      }
    }
    return out;
  }
}
