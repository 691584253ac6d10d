package org.geodecoder.model.transform;

/**
 * Image bytes that cannot be decoded. The {@link #reason()} is stable, so the jobs can count
 * rejects per reason.
 */
public final class ImageDecodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why decoding failed. */
  public enum Reason {
    /** No bytes at all. */
    EMPTY,
    /** Not a JPEG or PNG (by magic number). */
    UNSUPPORTED_FORMAT,
    /** A JPEG or PNG header, but the data cannot be decoded. */
    CORRUPT
  }

  private final Reason reason;

  public ImageDecodeException(Reason reason, String message, Throwable cause) {
    super(message, cause);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
