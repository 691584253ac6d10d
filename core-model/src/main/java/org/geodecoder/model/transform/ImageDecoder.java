package org.geodecoder.model.transform;

import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Decodes the encoded images of the shards (JPEG or PNG) to {@code [H, W, 3]} uint8 RGB arrays
 * with DJL's image factory. Anything else, or bytes that do not decode, raise an {@link
 * ImageDecodeException} with a countable reason.
 */
public final class ImageDecoder {
  private ImageDecoder() {}

  /**
   * @throws ImageDecodeException for empty, non-JPEG/PNG or corrupt bytes
   */
  public static NDArray decode(byte[] bytes, NDManager manager) {
    Image image = decodeImage(bytes);
    return image.toNDArray(manager, Image.Flag.COLOR); // [H, W, 3] uint8
  }

  /**
   * @throws ImageDecodeException for empty, non-JPEG/PNG or corrupt bytes
   */
  public static Image decodeImage(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      throw new ImageDecodeException(ImageDecodeException.Reason.EMPTY, "No image bytes", null);
    }
    String format = format(bytes);
    if (format == null) {
      throw new ImageDecodeException(
          ImageDecodeException.Reason.UNSUPPORTED_FORMAT,
          String.format(
              "Not a JPEG or PNG image (%d bytes starting %02x %02x)",
              bytes.length, bytes[0], bytes.length > 1 ? bytes[1] : 0),
          null);
    }
    try {
      Image image = ImageFactory.getInstance().fromInputStream(new ByteArrayInputStream(bytes));
      if (image.getWidth() <= 0 || image.getHeight() <= 0) {
        throw new IOException("empty " + format);
      }
      return image;
    } catch (IOException | RuntimeException e) {
      throw new ImageDecodeException(
          ImageDecodeException.Reason.CORRUPT,
          "Corrupt " + format + " image (" + bytes.length + " bytes): " + e.getMessage(),
          e);
    }
  }

  /** "JPEG", "PNG" or null, by magic number. */
  static String format(byte[] b) {
    if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) {
      return "JPEG";
    }
    if (b.length >= 8
        && (b[0] & 0xff) == 0x89
        && b[1] == 'P'
        && b[2] == 'N'
        && b[3] == 'G'
        && b[4] == 0x0d
        && b[5] == 0x0a
        && b[6] == 0x1a
        && b[7] == 0x0a) {
      return "PNG";
    }
    return null;
  }
}
