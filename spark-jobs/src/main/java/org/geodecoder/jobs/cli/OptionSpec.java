package org.geodecoder.jobs.cli;

/**
 * One option of a job: kebab-case name (given as {@code --name value} or as the Spark conf key
 * {@code spark.geodecoder.<job>.<name>}), its default as text (null = required/absent) and help.
 */
public record OptionSpec(String name, String defaultValue, String help) {

  public static OptionSpec required(String name, String help) {
    return new OptionSpec(name, null, help);
  }

  public static OptionSpec withDefault(String name, Object defaultValue, String help) {
    return new OptionSpec(name, String.valueOf(defaultValue), help);
  }

  /** The Spark conf key of this option for a job. */
  public String confKey(String job) {
    return "spark.geodecoder." + job + "." + name;
  }
}
