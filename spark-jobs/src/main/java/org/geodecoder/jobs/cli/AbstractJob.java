package org.geodecoder.jobs.cli;

import java.util.List;

/** The descriptive half of a {@link Job}: name, summary line and option specs. */
public abstract class AbstractJob implements Job {
  private final String name;
  private final String summary;
  private final List<OptionSpec> options;

  protected AbstractJob(String name, String summary, List<OptionSpec> options) {
    this.name = name;
    this.summary = summary;
    this.options = List.copyOf(options);
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final String summary() {
    return summary;
  }

  @Override
  public final List<OptionSpec> options() {
    return options;
  }
}
