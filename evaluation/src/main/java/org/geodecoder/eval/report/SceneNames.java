package org.geodecoder.eval.report;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Names of scene indices, per label level (3, 16 or 365 scenes), for reports. {@link
 * #places365()} are the Places365 names shipped as resources (see {@code scenes/ATTRIBUTION.md}):
 * S3 and S16 are the first two levels of the Places365 scene hierarchy, S365 its categories.
 * {@link #parse} reads a user's file: one name per line in index order, whose line count (3, 16
 * or 365) says which level it names. Immutable.
 */
public final class SceneNames {
  /** The label levels a names list can have. */
  public static final List<Integer> LEVELS = List.of(3, 16, 365);

  private static final SceneNames NONE = new SceneNames(Map.of());

  private final Map<Integer, List<String>> byLevel;

  private SceneNames(Map<Integer, List<String>> byLevel) {
    this.byLevel = Map.copyOf(byLevel);
  }

  /** No names: reports show scene numbers. */
  public static SceneNames none() {
    return NONE;
  }

  /** The bundled Places365 names for all three levels. */
  public static SceneNames places365() {
    Map<Integer, List<String>> m = new TreeMap<>();
    for (int level : LEVELS) {
      String resource = "/org/geodecoder/eval/scenes/places365-s" + level + ".txt";
      try (InputStream in = SceneNames.class.getResourceAsStream(resource)) {
        if (in == null) {
          throw new IllegalStateException("Missing resource " + resource);
        }
        m.put(level, lines(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot read " + resource, e);
      }
    }
    return new SceneNames(m);
  }

  /**
   * Names from a file's text: one name per line in index order (blank lines at the end ignored).
   *
   * @param source named in the error message
   * @throws IllegalArgumentException naming {@code source} when it has neither 3, 16 nor 365
   *     names, or an empty name
   */
  public static SceneNames parse(String text, String source) {
    List<String> names = lines(text, source);
    if (!LEVELS.contains(names.size())) {
      throw new IllegalArgumentException(source + " has " + names.size()
          + " scene names; a scene-names file has one name per line for 3, 16 or 365 scenes (S3, S16, S365)");
    }
    return new SceneNames(Map.of(names.size(), names));
  }

  /** These names with {@code other}'s added; {@code other} wins for a level both name. */
  public SceneNames with(SceneNames other) {
    Map<Integer, List<String>> m = new TreeMap<>(byLevel);
    m.putAll(other.byLevel);
    return new SceneNames(m);
  }

  /** The names of the level with {@code scenes} scenes, if known. */
  public Optional<String[]> forLevel(int scenes) {
    return Optional.ofNullable(byLevel.get(scenes)).map(l -> l.toArray(String[]::new));
  }

  /** Name of scene {@code index} at the level with {@code scenes} scenes; "scene k" when unknown. */
  public String name(int scenes, int index) {
    List<String> names = byLevel.get(scenes);
    return names != null && index >= 0 && index < names.size() ? names.get(index) : "scene " + index;
  }

  public boolean isEmpty() {
    return byLevel.isEmpty();
  }

  private static List<String> lines(String text, String source) {
    List<String> names = new ArrayList<>(Arrays.asList(text.replace("\r", "").split("\n", -1)));
    while (!names.isEmpty() && names.get(names.size() - 1).isBlank()) {
      names.remove(names.size() - 1);
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i).strip();
      if (name.isEmpty()) {
        throw new IllegalArgumentException(source + " line " + (i + 1) + " is empty: every scene index needs a name");
      }
      names.set(i, name);
    }
    return names;
  }
}
