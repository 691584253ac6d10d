package org.geodecoder.model.transform;

import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;

/**
 * torchvision's {@code TenCrop(size)}: the four corner crops and the centre crop (top-left,
 * top-right, bottom-left, bottom-right, centre), then the same five of the horizontally flipped
 * image. The centre offset is {@code (side − size) / 2} rounded down, as DJL's CenterCrop. DJL has
 * no TenCrop, hence this class (it uses DJL's crop).
 *
 * <p>Input {@code [H, W, C]}; output 10 arrays {@code [size, size, C]}.
 */
public final class TenCrop {
  private final int size;

  public TenCrop(int size) {
    if (size <= 0) {
      throw new IllegalArgumentException("TenCrop size must be > 0, got " + size);
    }
    this.size = size;
  }

  public NDList crops(NDArray hwc) {
    int h = Math.toIntExact(hwc.getShape().get(0));
    int w = Math.toIntExact(hwc.getShape().get(1));
    if (h < size || w < size) {
      throw new IllegalArgumentException(
          "TenCrop of " + size + " needs an image at least that large, got " + h + "×" + w);
    }
    NDList out = new NDList(10);
    fiveCrops(hwc, w, h, out);
    fiveCrops(hwc.flip(1), w, h, out);
    return out;
  }

  private void fiveCrops(NDArray image, int w, int h, NDList out) {
    out.add(NDImageUtils.crop(image, 0, 0, size, size));
    out.add(NDImageUtils.crop(image, w - size, 0, size, size));
    out.add(NDImageUtils.crop(image, 0, h - size, size, size));
    out.add(NDImageUtils.crop(image, w - size, h - size, size, size));
    out.add(NDImageUtils.crop(image, (w - size) / 2, (h - size) / 2, size, size));
  }
}
