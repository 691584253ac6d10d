package org.geodecoder.jobs.evaluate;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.geodecoder.eval.report.SceneNames;
import org.geodecoder.jobs.cli.OptionException;

/**
 * The {@code --scene-names} option of {@code evaluate} and {@code explain}: empty or {@code none}
 * (scene numbers), {@code places365} (the bundled Places365 names of S3, S16 and S365), or a
 * comma-separated list of text files (any Hadoop URI), each one name per line in index order,
 * whose line count (3, 16 or 365) says which level it names; {@code places365,FILE} takes the
 * bundled names with the file's level replaced.
 */
public final class SceneNamesOption {
  public static final String HELP = "names of scene indices in the report: none (numbers), places365 (the bundled "
      + "Places365 names of S3/S16/S365), or comma-separated text files (any Hadoop URI), one name per line for 3, 16 or "
      + "365 scenes (e.g. places365,my-s16.txt)";

  private SceneNamesOption() {}

  /**
   * @param option the option's name for error messages, e.g. {@code --scene-names}
   * @throws OptionException naming the option and the file when a file is missing, unreadable or
   *     has a wrong number of names
   */
  public static SceneNames load(String value, Configuration conf, String option) {
    SceneNames names = SceneNames.none();
    if (value == null || value.isBlank() || value.strip().equals("none")) {
      return names;
    }
    for (String part : value.split(",")) {
      String item = part.strip();
      if (item.isEmpty()) {
        continue;
      }
      if (item.equals("places365")) {
        names = names.with(SceneNames.places365());
        continue;
      }
      Path file = new Path(item);
      try (FileSystem fs = FileSystem.newInstance(file.toUri(), conf); InputStream in = fs.open(file)) {
        names = names.with(SceneNames.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), option + " " + item));
      } catch (FileNotFoundException e) {
        throw new OptionException(option + " " + item + " does not exist (give places365, none or a names file)");
      } catch (IOException e) {
        throw new OptionException(option + " " + item + " cannot be read: " + e.getMessage());
      } catch (IllegalArgumentException e) {
        throw new OptionException(e.getMessage());
      }
    }
    return names;
  }
}
