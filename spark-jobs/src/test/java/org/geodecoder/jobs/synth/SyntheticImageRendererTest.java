package org.geodecoder.jobs.synth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The faster paths draw exactly the former images: the noise written straight into the raster
 * gives the pixels of the former getRGB/setRGB loop, and the per-thread JPEG writer the bytes of
 * a writer set up for each image. The images must not change by accident: the learning tests'
 * margins (SynthLearnabilityTest, NightlyWithRealJobsTest) were measured on them, and a
 * renderer that moved pixels by ~1.5 levels on average moved the nightly test's night 3 by 29 points.
 */
class SyntheticImageRendererTest {
  /** Specs over every climate band, region, scene type and two sizes. */
  static List<Object[]> specs(int n) {
    SplittableRandom r = new SplittableRandom(5);
    List<Object[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Object[] {new SyntheticImageRenderer.Spec(r.nextDouble() * 170 - 85, r.nextDouble() * 360 - 180,
          i % 3, r.nextInt(24), r.nextLong(), r.nextLong()), i % 2 == 0 ? 64 : 48});
    }
    return out;
  }

  @Test
  void rasterNoiseGivesThePixelsOfTheFormerGetRgbSetRgbLoop() {
    int changed = 0;
    for (Object[] s : specs(120)) {
      SyntheticImageRenderer.Spec spec = (SyntheticImageRenderer.Spec) s[0];
      int size = (Integer) s[1];
      SplittableRandom r = new SplittableRandom(spec.seed());
      BufferedImage expected = SyntheticImageRenderer.drawScene(spec, size, r);
      int[] clean = expected.getRGB(0, 0, size, size, null, 0, size);
      formerNoise(expected, r, SyntheticImageRenderer.NOISE_AMPLITUDE);
      int[] want = expected.getRGB(0, 0, size, size, null, 0, size);
      int[] got = SyntheticImageRenderer.render(spec, size).getRGB(0, 0, size, size, null, 0, size);
      assertArrayEquals(want, got, "pixels of " + spec + " at " + size + " px");
      for (int p = 0; p < clean.length; p++) {
        changed += clean[p] != got[p] ? 1 : 0;
      }
    }
    // The noise is there: about 24 of 25 pixels move (0 is one of 25 draws; clamping aside).
    assertNotEquals(0, changed);
  }

  @Test
  void perThreadJpegWriterGivesTheBytesOfAFreshWriter() throws Exception {
    List<Object[]> specs = specs(40);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          for (int i = thread; i < specs.size(); i += 2) {
            BufferedImage img = SyntheticImageRenderer.render((SyntheticImageRenderer.Spec) specs.get(i)[0], (Integer) specs.get(i)[1]);
            float quality = i % 4 < 2 ? 0.9f : 0.75f; // the quality is set on every call
            assertArrayEquals(freshWriterJpeg(img, quality), SynthGenerator.encodeJpeg(img, quality), "image " + i);
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void generatorIsAPureFunctionOfSeedAndIndex() {
    SynthGenerator a = new SynthGenerator(42, "photo", 64, 0.9f);
    SynthGenerator b = new SynthGenerator(42, "photo", 64, 0.9f);
    for (long i : new long[] {0, 1, 17, 4_000}) {
      assertArrayEquals(a.photo(i).jpeg(), b.photo(i).jpeg());
      assertEquals(a.photo(i).city(), b.photo(i).city());
    }
  }

  /** The former noise loop, through getRGB/setRGB. */
  static void formerNoise(BufferedImage img, SplittableRandom r, int amplitude) {
    int w = img.getWidth();
    int h = img.getHeight();
    int[] px = img.getRGB(0, 0, w, h, null, 0, w);
    for (int i = 0; i < px.length; i++) {
      int n = r.nextInt(2 * amplitude + 1) - amplitude;
      int p = px[i];
      int red = Math.max(0, Math.min(255, ((p >> 16) & 0xff) + n));
      int green = Math.max(0, Math.min(255, ((p >> 8) & 0xff) + n));
      int blue = Math.max(0, Math.min(255, (p & 0xff) + n));
      px[i] = (red << 16) | (green << 8) | blue;
    }
    img.setRGB(0, 0, w, h, px, 0, w);
  }

  /** The former encoder: a writer looked up and set up for this image alone. */
  static byte[] freshWriterJpeg(BufferedImage img, float quality) throws Exception {
    ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
      ImageWriteParam param = writer.getDefaultWriteParam();
      param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
      param.setCompressionQuality(quality);
      writer.setOutput(out);
      writer.write(null, new IIOImage(img, null, null), param);
      out.flush();
      return bytes.toByteArray();
    } finally {
      writer.dispose();
    }
  }
}
