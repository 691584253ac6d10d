package org.geodecoder.jobs.io;

import java.util.ArrayList;
import java.util.List;
import org.geodecoder.jobs.cli.OptionException;

/** Comma-separated {@code [name=]uri} lists, as taken by evaluate and analyze-dataset. */
public final class NamedInputs {
  /** One entry: its name (given, or the file name without .csv/.parquet) and URI. */
  public record NamedInput(String name, String uri) {}

  private NamedInputs() {}

  /** @throws OptionException naming the option when an entry is empty */
  public static List<NamedInput> parse(String spec, String option) {
    List<NamedInput> out = new ArrayList<>();
    for (String item : spec.split(",")) {
      String s = item.trim();
      if (s.isEmpty()) {
        throw new OptionException("Cannot set " + option + " to '" + spec + "': empty entry");
      }
      int eq = s.indexOf('=');
      boolean named = eq > 0 && !s.substring(0, eq).contains("/");
      String uri = named ? s.substring(eq + 1) : s;
      String name = named ? s.substring(0, eq) : new org.apache.hadoop.fs.Path(uri).getName().replaceAll("\\.(csv|parquet)$", "");
      out.add(new NamedInput(name, uri));
    }
    return out;
  }
}
