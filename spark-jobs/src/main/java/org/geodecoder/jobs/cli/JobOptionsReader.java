package org.geodecoder.jobs.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * Typed, validated access to a job's options. Every value is looked up by option name; errors
 * quote both spellings of the key ({@code --tmin} / {@code spark.geodecoder.partition.tmin})
 * and the bad value. Unknown keys are rejected all in one message (Iceberg's convention).
 */
public final class JobOptionsReader {
  private final String job;
  private final Map<String, OptionSpec> specs = new LinkedHashMap<>();
  private final Map<String, String> values;

  /**
   * @param values option name → value, as given (defaults are applied by this reader)
   * @throws OptionException listing every unknown option name
   */
  public JobOptionsReader(String job, List<OptionSpec> specs, Map<String, String> values) {
    this.job = job;
    for (OptionSpec s : specs) {
      this.specs.put(s.name(), s);
    }
    this.values = Map.copyOf(values);
    Set<String> unknown = new TreeSet<>(values.keySet());
    unknown.removeAll(this.specs.keySet());
    if (!unknown.isEmpty()) {
      throw new OptionException(
          "Unknown options " + unknown + " for " + job + "; valid options: " + this.specs.keySet());
    }
  }

  /** The value as given, or the default; null when neither exists. */
  public String raw(String name) {
    OptionSpec spec = spec(name);
    String v = values.get(name);
    return v != null ? v.trim() : spec.defaultValue();
  }

  public boolean isSet(String name) {
    spec(name);
    return values.containsKey(name);
  }

  public String string(String name) {
    return raw(name);
  }

  /** @throws OptionException when the option has neither a value nor a default */
  public String requiredString(String name) {
    String v = raw(name);
    if (v == null || v.isEmpty()) {
      throw new OptionException("Missing required option " + describe(name) + " for " + job);
    }
    return v;
  }

  public int integer(String name, int min, int max) {
    long v = parse(name, "an integer", Long::parseLong);
    if (v < min || v > max) {
      throw bad(name, raw(name), "must be in [" + min + ", " + max + "]");
    }
    return (int) v;
  }

  public long longValue(String name, long min) {
    long v = parse(name, "an integer", Long::parseLong);
    if (v < min) {
      throw bad(name, raw(name), "must be >= " + min);
    }
    return v;
  }

  public double doubleValue(String name, double min, double max) {
    double v = parse(name, "a number", Double::parseDouble);
    if (!(v >= min && v <= max)) {
      throw bad(name, raw(name), "must be in [" + min + ", " + max + "]");
    }
    return v;
  }

  public boolean bool(String name) {
    String v = raw(name);
    if ("true".equalsIgnoreCase(v)) {
      return true;
    }
    if ("false".equalsIgnoreCase(v)) {
      return false;
    }
    throw bad(name, v, "must be true or false");
  }

  /** A comma-separated list of integers (at least one). */
  public long[] longList(String name, long min) {
    String v = requiredString(name);
    List<Long> out = new ArrayList<>();
    for (String part : v.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        throw bad(name, v, "must be a comma-separated list of integers with no empty entries");
      }
      long x;
      try {
        x = Long.parseLong(p);
      } catch (NumberFormatException e) {
        throw bad(name, v, "'" + p + "' is not an integer");
      }
      if (x < min) {
        throw bad(name, v, "every value must be >= " + min);
      }
      out.add(x);
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /** One of a fixed set of values (case-insensitive), returned in lower case. */
  public String choice(String name, String... allowed) {
    String v = requiredString(name).toLowerCase(java.util.Locale.ROOT);
    if (!Arrays.asList(allowed).contains(v)) {
      throw bad(name, v, "must be one of " + Arrays.toString(allowed));
    }
    return v;
  }

  /** An error about an option's value; use for cross-option checks too. */
  public OptionException bad(String name, String value, String why) {
    return new OptionException("Cannot set " + describe(name) + " to '" + value + "': " + why);
  }

  /** {@code --name (spark.geodecoder.job.name)}. */
  public String describe(String name) {
    return "--" + name + " (" + spec(name).confKey(job) + ")";
  }

  /** Resolved options (given values over defaults) for the startup log. */
  public Map<String, String> resolved() {
    Map<String, String> out = new LinkedHashMap<>();
    for (OptionSpec s : specs.values()) {
      out.put(s.name(), raw(s.name()));
    }
    return out;
  }

  private <T> T parse(String name, String what, Function<String, T> parser) {
    String v = requiredString(name);
    try {
      return parser.apply(v);
    } catch (NumberFormatException e) {
      throw bad(name, v, "not " + what);
    }
  }

  private OptionSpec spec(String name) {
    OptionSpec s = specs.get(name);
    if (s == null) {
      throw new IllegalStateException("Job " + job + " has no option " + name);
    }
    return s;
  }
}
