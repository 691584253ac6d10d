package org.geodecoder.jobs.synth;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Serializable;
import java.awt.image.BufferedImage;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.geodecoder.geo.City;
import org.geodecoder.eval.sampling.Gws15kSampler;
import org.geodecoder.eval.sampling.SampledLocation;
import org.geodecoder.geo.PhotoLocationSampler;

/**
 * Synthetic photos: location, author, scene labels and JPEG bytes for photo {@code i}, a pure
 * function of (seed, i), so Spark tasks can generate any range independently.
 *
 * <p>Two location distributions: {@code photo} (clustered around cities like photo-sharing
 * data, see {@link PhotoLocationSampler}) and {@code uniform} (the evaluation module's
 * {@link Gws15kSampler}: a country with probability proportional to its area, a random city of
 * it, a point uniform within 5 km).
 */
public final class SynthGenerator implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One generated photo (the manifest row plus its image). */
  public record Photo(String id, String author, double latDegrees, double lonDegrees,
      int scene3, int scene16, int scene365, String city, byte[] jpeg) {}

  /** Samplers by seed, shared by the tasks of a JVM: each reads the world's cities (immutable). */
  private static final Map<Long, PhotoLocationSampler> PHOTO_SAMPLERS = new ConcurrentHashMap<>();
  private static final Map<Long, Gws15kSampler> UNIFORM_SAMPLERS = new ConcurrentHashMap<>();

  private final long seed;
  private final String distribution;
  private final int imageSize;
  private final float jpegQuality;
  private transient PhotoLocationSampler photoSampler;
  private transient Gws15kSampler uniformSampler;

  public SynthGenerator(long seed, String distribution, int imageSize, float jpegQuality) {
    if (!distribution.equals("photo") && !distribution.equals("uniform")) {
      throw new IllegalArgumentException("distribution must be photo or uniform, got " + distribution);
    }
    this.seed = seed;
    this.distribution = distribution;
    this.imageSize = imageSize;
    this.jpegQuality = jpegQuality;
  }

  public Photo photo(long index) {
    SplittableRandom r = new SplittableRandom(seed * 0xD1B54A32D192ED03L + index * 0x9E3779B97F4A7C15L + 1);
    City city;
    double lat;
    double lon;
    double distanceKm;
    if (distribution.equals("photo")) {
      if (photoSampler == null) {
        photoSampler = PHOTO_SAMPLERS.computeIfAbsent(seed, PhotoLocationSampler::worldCities);
      }
      PhotoLocationSampler.Sample s = photoSampler.draw(index);
      city = s.city();
      lat = s.latDegrees();
      lon = s.lonDegrees();
      distanceKm = s.distanceKm();
    } else {
      if (uniformSampler == null) {
        uniformSampler = UNIFORM_SAMPLERS.computeIfAbsent(seed, Gws15kSampler::worldCities);
      }
      SampledLocation s = uniformSampler.draw(index);
      city = s.city();
      lat = s.latDegrees();
      lon = s.lonDegrees();
      distanceKm = s.distanceFromCityKm();
    }
    long cityHash = (city.name() + "|" + city.iso2()).hashCode() * 0x9E3779B97F4A7C15L;
    int motif = (int) Math.floorMod(cityHash >>> 7, 24L);
    int scene3 = SceneRule.scene3(r.nextDouble(), distanceKm);
    int scene16 = SceneRule.scene16(scene3, lat);
    int scene365 = SceneRule.scene365(scene16, motif);
    BufferedImage img = SyntheticImageRenderer.render(
        new SyntheticImageRenderer.Spec(lat, lon, scene3, motif, cityHash, r.nextLong()), imageSize);
    String id = String.format("%02x/%02x/%d.jpg", (index * 131) & 0xff, (index * 31 + 7) & 0xff, 2_000_000_000L + index);
    // A photographer shoots ~20 photos, around one city (authors are disjoint by construction of the split).
    String author = Long.toHexString((seed * 31 + index / 20) * 0x9E3779B97F4A7C15L >>> 20) + "@N0" + (index / 20) % 9;
    return new Photo(id, author, lat, lon, scene3, scene16, scene365, city.name(), encodeJpeg(img, jpegQuality));
  }

  /**
   * JPEG bytes of {@code img}. The ImageIO writer is kept per thread: looking one up and
   * setting it up cost more than encoding a small image. The bytes are those of a fresh writer
   * with the same quality (a test checks it).
   */
  public static byte[] encodeJpeg(BufferedImage img, float quality) {
    JpegWriter w = JPEG_WRITER.get();
    w.bytes.reset();
    try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(w.bytes)) {
      w.param.setCompressionQuality(quality);
      w.writer.setOutput(out);
      w.writer.write(null, new IIOImage(img, null, null), w.param);
      out.flush();
      return w.bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException("JPEG encoding failed", e);
    } finally {
      w.writer.setOutput(null);
    }
  }

  private static final ThreadLocal<JpegWriter> JPEG_WRITER = ThreadLocal.withInitial(JpegWriter::new);

  /** One thread's ImageIO JPEG writer, its parameters and output buffer. */
  private static final class JpegWriter {
    final ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    final ImageWriteParam param = writer.getDefaultWriteParam();
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);

    JpegWriter() {
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
    }
  }
}
