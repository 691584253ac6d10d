package org.geodecoder.jobs.cli;

/**
 * Another run holds the lock this run needs (nightly's registry lock): nothing was done, and
 * nothing is broken. Exit code {@value #EXIT_CODE}, distinct from a failure (1) and bad usage
 * (2), so that a scheduler can tell "already running" from "broken".
 */
public class LockHeldException extends JobFailedException {
  private static final long serialVersionUID = 1L;
  public static final int EXIT_CODE = 3;

  public LockHeldException(String message) {
    super(message);
  }
}
