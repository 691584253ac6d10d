package org.geodecoder.jobs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parsed launcher arguments: {@code <job> [--master URL] [--properties-file F] [--conf k=v]...
 * [--name value]...}. {@code --name=value} works too. {@code --master}, {@code --properties-file}
 * and {@code --conf} mean what they mean to spark-submit.
 */
public record CommandLine(String job, String master, Map<String, String> conf, Map<String, String> options, boolean help,
    java.util.Set<String> confGiven) {

  /** A command line whose conf keys all came from --conf. */
  public CommandLine(String job, String master, Map<String, String> conf, Map<String, String> options, boolean help) {
    this(job, master, conf, options, help, conf.keySet());
  }

  public static CommandLine parse(String[] args) {
    String job = null;
    String master = null;
    boolean help = false;
    Map<String, String> conf = new LinkedHashMap<>();
    Map<String, String> options = new LinkedHashMap<>();
    Map<String, String> fileConf = new LinkedHashMap<>();
    List<String> list = new ArrayList<>(List.of(args));
    for (int i = 0; i < list.size(); i++) {
      String a = list.get(i);
      if (a.equals("--help") || a.equals("-h") || a.equals("help")) {
        help = true;
        continue;
      }
      if (!a.startsWith("--")) {
        if (job == null) {
          job = a;
          continue;
        }
        throw new OptionException("Unexpected argument '" + a + "': options are given as --name value");
      }
      String name = a.substring(2);
      String value;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      } else {
        if (i + 1 >= list.size()) {
          throw new OptionException("Option --" + name + " needs a value");
        }
        value = list.get(++i);
        if (value.startsWith("--") && value.length() > 2) {
          throw new OptionException("Option --" + name + " needs a value, but is followed by the option " + value);
        }
      }
      if (name.isEmpty()) {
        throw new OptionException("Empty option name in '" + a + "'");
      }
      switch (name) {
        case "master" -> master = value;
        case "properties-file" -> {
          // Like spark-submit: the file's keys first, --conf given anywhere wins.
          java.util.Properties props = new java.util.Properties();
          try (java.io.Reader r = java.nio.file.Files.newBufferedReader(java.nio.file.Path.of(value))) {
            props.load(r);
          } catch (java.io.IOException e) {
            throw new OptionException("Cannot read --properties-file " + value + ": " + e.getMessage());
          }
          for (String k : props.stringPropertyNames()) {
            fileConf.put(k, props.getProperty(k).trim());
          }
        }
        case "conf" -> {
          int e = value.indexOf('=');
          if (e <= 0) {
            throw new OptionException("--conf expects key=value, got '" + value + "'");
          }
          conf.put(value.substring(0, e).trim(), value.substring(e + 1));
        }
        default -> {
          if (options.containsKey(name)) {
            throw new OptionException("Option --" + name + " is given twice");
          }
          options.put(name, value);
        }
      }
    }
    Map<String, String> merged = new LinkedHashMap<>(fileConf);
    merged.putAll(conf);
    return new CommandLine(job, master, merged, options, help, java.util.Set.copyOf(conf.keySet()));
  }
}
