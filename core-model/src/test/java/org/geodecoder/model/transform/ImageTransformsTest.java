package org.geodecoder.model.transform;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class ImageTransformsTest {
  private static NDArray gradientImage(NDManager m, int h, int w) {
    float[] v = new float[h * w * 3];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        v[(y * w + x) * 3] = x;
        v[(y * w + x) * 3 + 1] = y;
        v[(y * w + x) * 3 + 2] = (x * 7 + y * 3) % 256;
      }
    }
    return m.create(v, new Shape(h, w, 3));
  }

  @Test
  void tenCropIsTheFourCornersCentreAndTheirFlips() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray image = gradientImage(m, 9, 11);
      NDList crops = new TenCrop(4).crops(image);
      assertEquals(10, crops.size());
      int[][] origins = {{0, 0}, {7, 0}, {0, 5}, {7, 5}, {3, 2}}; // (x, y)
      for (int k = 0; k < 5; k++) {
        NDArray manual =
            image.get(
                origins[k][1] + ":" + (origins[k][1] + 4) + ", " + origins[k][0] + ":"
                    + (origins[k][0] + 4));
        assertArrayEquals(manual.toFloatArray(), crops.get(k).toFloatArray(), "crop " + k);
        NDArray flipped = image.flip(1);
        NDArray manualFlipped =
            flipped.get(
                origins[k][1] + ":" + (origins[k][1] + 4) + ", " + origins[k][0] + ":"
                    + (origins[k][0] + 4));
        assertArrayEquals(
            manualFlipped.toFloatArray(), crops.get(k + 5).toFloatArray(), "flipped crop " + k);
      }
      // the flipped top-left crop mirrors the original top-right crop
      assertArrayEquals(
          crops.get(1).flip(1).toFloatArray(), crops.get(5).toFloatArray());
    }
  }

  @Test
  void evalTenCropNormalisesEachCropLikeTheCentrePipeline() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ImageTransforms t = ImageTransforms.forImageSize(64);
      assertEquals(73, t.resizeSide());
      NDArray image = gradientImage(m, 90, 120);
      NDArray ten = t.evalTenCrop(image);
      assertEquals(new Shape(10, 3, 64, 64), ten.getShape());
      NDArray centre = t.evalCenter(image);
      assertArrayEquals(centre.toFloatArray(), ten.get(4).toFloatArray(), 1e-6f);
      // pixel (0, 0) of crop 0 is the resized image's (0, 0), normalised
      NDArray resized =
          ai.djl.modality.cv.util.NDImageUtils.resize(image, 73, 73);
      float r = resized.get("0, 0, 0").getFloat() / 255f;
      assertEquals((r - 0.485f) / 0.229f, ten.get("0, 0, 0, 0").getFloat(), 1e-5);
    }
  }

  @Test
  void trainTransformIsReproducibleForASeed() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      ImageTransforms t = ImageTransforms.forImageSize(64);
      NDArray image = gradientImage(m, 80, 100);
      float[] a = t.train(image, new Random(3)).toFloatArray();
      float[] b = t.train(image, new Random(3)).toFloatArray();
      float[] c = t.train(image, new Random(4)).toFloatArray();
      assertArrayEquals(a, b);
      assertFalse(Arrays.equals(a, c));
      assertEquals(3 * 64 * 64, a.length);
    }
  }

  @Test
  void rotationBy90DegreesTurnsTheImageCounterClockwise() {
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray image = m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, new Shape(3, 3, 1));
      NDArray rotated = RandomRotation.rotate(image, 90);
      assertArrayEquals(new float[] {3, 6, 9, 2, 5, 8, 1, 4, 7}, rotated.toFloatArray());
    }
  }

  @Test
  void colourJitterPrimitivesFollowTorchvision() {
    float[] rgb = {0.2f, 0.4f, 0.6f, 1f, 0.5f, 0f};
    float[] b = rgb.clone();
    ColorJitter.brightness(b, 1.5f);
    assertArrayEquals(new float[] {0.3f, 0.6f, 0.9f, 1f, 0.75f, 0f}, b, 1e-6f);
    float[] s = rgb.clone();
    ColorJitter.saturation(s, 0f); // fully grey
    float g0 = 0.299f * 0.2f + 0.587f * 0.4f + 0.114f * 0.6f;
    assertArrayEquals(new float[] {g0, g0, g0}, Arrays.copyOf(s, 3), 1e-6f);
    float[] h = {1f, 0f, 0f};
    ColorJitter.hue(h, 1f / 3); // red → green
    assertArrayEquals(new float[] {0f, 1f, 0f}, h, 1e-6f);
  }

  @Test
  void decodesPngAndClassifiesBadBytes() throws Exception {
    BufferedImage img = new BufferedImage(5, 4, BufferedImage.TYPE_INT_RGB);
    img.setRGB(2, 1, 0x00ff8040);
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(img, "png", png);
    try (NDManager m = NDManager.newBaseManager("PyTorch")) {
      NDArray a = ImageDecoder.decode(png.toByteArray(), m);
      assertEquals(new Shape(4, 5, 3), a.getShape());
      assertEquals(DataType.UINT8, a.getDataType());
      assertArrayEquals(
          new int[] {255, 128, 64},
          Arrays.stream(a.get("1, 2").toType(DataType.INT32, false).toIntArray()).toArray());
    }
    assertEquals(
        ImageDecodeException.Reason.EMPTY,
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decodeImage(new byte[0]))
            .reason());
    assertEquals(
        ImageDecodeException.Reason.UNSUPPORTED_FORMAT,
        assertThrows(
                ImageDecodeException.class,
                () -> ImageDecoder.decodeImage("GIF89a....".getBytes("US-ASCII")))
            .reason());
    byte[] corrupt = Arrays.copyOf(png.toByteArray(), 20);
    ImageDecodeException e =
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decodeImage(corrupt));
    assertEquals(ImageDecodeException.Reason.CORRUPT, e.reason());
    byte[] jpegHeaderOnly = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, 0, 1, 2, 3};
    assertEquals(
        ImageDecodeException.Reason.CORRUPT,
        assertThrows(ImageDecodeException.class, () -> ImageDecoder.decodeImage(jpegHeaderOnly))
            .reason());
  }
}
