package org.geodecoder.jobs.cli;

/** A bad option or argument: reported as one clear line, with no stack trace, exit code 2. */
public class OptionException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public OptionException(String message) {
    super(message);
  }
}
