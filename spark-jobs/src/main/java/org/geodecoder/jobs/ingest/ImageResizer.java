package org.geodecoder.jobs.ingest;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.synth.SynthGenerator;

/**
 * Shrinks images whose longer side exceeds a limit, keeping the aspect ratio, and re-encodes
 * them as JPEG: large-scale geolocation training stores ~256 px images to cut storage and
 * decode cost. Smaller images are kept byte for byte.
 */
public final class ImageResizer {
  /** Result: bytes and final size. */
  public record Resized(byte[] bytes, int width, int height) {}

  private ImageResizer() {}

  public static Resized limit(byte[] bytes, int width, int height, int maxSide, float jpegQuality)
      throws ImageProbe.RejectedImageException {
    if (maxSide <= 0 || Math.max(width, height) <= maxSide) {
      return new Resized(bytes, width, height);
    }
    BufferedImage src;
    try {
      src = ImageIO.read(new ByteArrayInputStream(bytes));
    } catch (IOException | RuntimeException e) {
      throw new ImageProbe.RejectedImageException(ImageProbe.Reason.UNDECODABLE, String.valueOf(e.getMessage()));
    }
    if (src == null) {
      throw new ImageProbe.RejectedImageException(ImageProbe.Reason.UNDECODABLE, "no decoder");
    }
    double scale = maxSide / (double) Math.max(width, height);
    int w = Math.max(1, (int) Math.round(width * scale));
    int h = Math.max(1, (int) Math.round(height * scale));
    BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = dst.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
    g.drawImage(src, 0, 0, w, h, null);
    g.dispose();
    return new Resized(SynthGenerator.encodeJpeg(dst, jpegQuality), w, h);
  }
}
