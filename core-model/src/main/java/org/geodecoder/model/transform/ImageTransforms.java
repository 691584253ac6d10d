package org.geodecoder.model.transform;

import ai.djl.modality.cv.transform.CenterCrop;
import ai.djl.modality.cv.transform.Normalize;
import ai.djl.modality.cv.transform.Resize;
import ai.djl.modality.cv.transform.ToTensor;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Pipeline;
import java.util.Random;

/**
 * The paper's image pipelines, scaled to the model's input size I (paper: I = 224, resize 256):
 *
 * <ul>
 *   <li>train: RandomAffine rotation 1–15°, ColorJitter(0.4, 0.4, 0.4, 0.1), horizontal flip
 *       p = 0.5, Resize(R×R), RandomCrop(I), ToTensor, Normalize(ImageNet);
 *   <li>eval: Resize(R×R), CenterCrop(I) or TenCrop(I), ToTensor, Normalize(ImageNet);
 * </ul>
 *
 * with R = round(I·256/224). DJL's Resize, CenterCrop, crop, ToTensor and Normalize do the work
 * where they exist; rotation, colour jitter, TenCrop and the seeded flip/crop draws are ours.
 * All randomness comes from the {@link Random} passed in, so a (seed, image) pair always gives
 * the same tensor.
 *
 * <p>Input: {@code [H, W, 3]} RGB in [0, 255] (e.g. {@link ImageDecoder#decode}); outputs
 * {@code [3, I, I]} or {@code [10, 3, I, I]} float32.
 */
public final class ImageTransforms {
  public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
  public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

  private final int resize;
  private final int crop;
  private final RandomRotation rotation = RandomRotation.paper();
  private final ColorJitter jitter = ColorJitter.paper();
  private final Resize resizer;
  private final Pipeline tensor;
  private final Pipeline eval;
  private final TenCrop tenCrop;

  private ImageTransforms(int resize, int crop) {
    this.resize = resize;
    this.crop = crop;
    this.resizer = new Resize(resize, resize);
    this.tensor = new Pipeline().add(new ToTensor()).add(new Normalize(IMAGENET_MEAN, IMAGENET_STD));
    this.eval =
        new Pipeline()
            .add(resizer)
            .add(new CenterCrop(crop, crop))
            .add(new ToTensor())
            .add(new Normalize(IMAGENET_MEAN, IMAGENET_STD));
    this.tenCrop = new TenCrop(crop);
  }

  /** Pipelines for a model with input side {@code imageSize}. */
  public static ImageTransforms forImageSize(int imageSize) {
    return new ImageTransforms(Math.round(imageSize * 256f / 224f), imageSize);
  }

  /** Side of the resized image before cropping. */
  public int resizeSide() {
    return resize;
  }

  public int cropSide() {
    return crop;
  }

  /** Training augmentation: {@code [H, W, 3]} → {@code [3, I, I]}. */
  public NDArray train(NDArray hwc, Random random) {
    NDArray x = hwc.toType(DataType.FLOAT32, false);
    x = rotation.apply(x, random);
    x = jitter.apply(x, random);
    if (random.nextFloat() < 0.5f) {
      x = x.flip(1);
    }
    x = resizer.transform(x);
    int left = random.nextInt(resize - crop + 1);
    int top = random.nextInt(resize - crop + 1);
    x = NDImageUtils.crop(x, left, top, crop, crop);
    return tensor.transform(new NDList(x)).head();
  }

  /** Evaluation with a centre crop: {@code [H, W, 3]} → {@code [3, I, I]}. */
  public NDArray evalCenter(NDArray hwc) {
    return eval.transform(new NDList(hwc.toType(DataType.FLOAT32, false))).head();
  }

  /** Evaluation with TenCrop: {@code [H, W, 3]} → {@code [10, 3, I, I]}. */
  public NDArray evalTenCrop(NDArray hwc) {
    NDArray resized = resizer.transform(hwc.toType(DataType.FLOAT32, false));
    NDList crops = new NDList(10);
    for (NDArray c : tenCrop.crops(resized)) {
      crops.add(tensor.transform(new NDList(c)).head());
    }
    return NDArrays.stack(crops); // [10, 3, I, I]
  }
}
