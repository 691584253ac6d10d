package org.geodecoder.jobs.images;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Checks encoded image bytes without decoding the pixels: format by magic number, completeness
 * by the end marker (JPEG EOI, PNG IEND), width and height from the header. Cheap enough to run
 * on every image of an archive; what fails becomes a reject with a {@link Reason}.
 */
public final class ImageProbe {
  /** Why an image is rejected; the {@code code} goes to {@code rejects/} and summary.json. */
  public enum Reason {
    ZERO_SIZE("zero_size"),
    NOT_AN_IMAGE("not_an_image"),
    TRUNCATED("truncated_image"),
    CORRUPT_HEADER("corrupt_header"),
    UNDECODABLE("undecodable_image"),
    TOO_LARGE("file_too_large"),
    MISSING_FILE("missing_file"),
    UNREADABLE_FILE("unreadable_file"),
    CORRUPT_ARCHIVE_MEMBER("corrupt_archive_member"),
    TOO_MANY_PIXELS("too_many_pixels"),
    FORMAT_MISMATCH("format_mismatch");

    public final String code;

    Reason(String code) {
      this.code = code;
    }
  }

  /** A rejected image. */
  public static final class RejectedImageException extends Exception {
    private static final long serialVersionUID = 1L;
    private final Reason reason;

    public RejectedImageException(Reason reason, String detail) {
      super(reason.code + ": " + detail);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  /** What the header says. */
  public record ImageInfo(String format, int width, int height) {}

  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  private static final byte[] PNG_IEND = {'I', 'E', 'N', 'D', (byte) 0xAE, 0x42, 0x60, (byte) 0x82};
  /** JPEG writers may pad after EOI; look for it in this many trailing bytes. */
  private static final int JPEG_EOI_WINDOW = 1024;

  private ImageProbe() {}

  public static ImageInfo probe(byte[] bytes) throws RejectedImageException {
    if (bytes == null || bytes.length == 0) {
      throw new RejectedImageException(Reason.ZERO_SIZE, "empty file");
    }
    String format;
    if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xFF && (bytes[1] & 0xff) == 0xD8 && (bytes[2] & 0xff) == 0xFF) {
      format = "jpeg";
      if (!hasJpegEnd(bytes)) {
        throw new RejectedImageException(Reason.TRUNCATED, "JPEG without end-of-image marker (" + bytes.length + " bytes)");
      }
    } else if (startsWith(bytes, PNG_MAGIC)) {
      format = "png";
      if (!endsWith(bytes, PNG_IEND)) {
        throw new RejectedImageException(Reason.TRUNCATED, "PNG without IEND chunk (" + bytes.length + " bytes)");
      }
    } else {
      throw new RejectedImageException(Reason.NOT_AN_IMAGE, "neither JPEG nor PNG (starts with " + hex(bytes) + ")");
    }
    try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (!readers.hasNext()) {
        throw new RejectedImageException(Reason.CORRUPT_HEADER, "no decoder accepts the header");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w = reader.getWidth(0);
        int h = reader.getHeight(0);
        if (w <= 0 || h <= 0) {
          throw new RejectedImageException(Reason.CORRUPT_HEADER, "size " + w + "x" + h);
        }
        return new ImageInfo(format, w, h);
      } finally {
        reader.dispose();
      }
    } catch (IOException | RuntimeException e) {
      throw new RejectedImageException(Reason.CORRUPT_HEADER, String.valueOf(e.getMessage()));
    }
  }

  private static boolean hasJpegEnd(byte[] b) {
    int from = Math.max(2, b.length - JPEG_EOI_WINDOW);
    for (int i = b.length - 2; i >= from; i--) {
      if ((b[i] & 0xff) == 0xFF && (b[i + 1] & 0xff) == 0xD9) {
        return true;
      }
    }
    return false;
  }

  private static boolean startsWith(byte[] b, byte[] prefix) {
    if (b.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (b[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static boolean endsWith(byte[] b, byte[] suffix) {
    if (b.length < suffix.length) {
      return false;
    }
    for (int i = 0; i < suffix.length; i++) {
      if (b[b.length - suffix.length + i] != suffix[i]) {
        return false;
      }
    }
    return true;
  }

  private static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < Math.min(4, b.length); i++) {
      sb.append(String.format("%02x", b[i] & 0xff));
    }
    return sb.toString();
  }
}
