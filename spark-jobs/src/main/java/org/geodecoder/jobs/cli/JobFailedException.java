package org.geodecoder.jobs.cli;

/**
 * A job stopped for a reason the user can act on (bad input data, existing output, ...):
 * reported as a clear message naming the file/option, exit code 1.
 */
public class JobFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public JobFailedException(String message) {
    super(message);
  }

  public JobFailedException(String message, Throwable cause) {
    super(message, cause);
  }
}
