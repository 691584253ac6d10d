package org.geodecoder.model.swin;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * Architecture of a Swin transformer encoder (Liu et al., ICCV 2021). Immutable; build one with
 * {@link #builder()} or take a named {@link #preset(String)}.
 *
 * <p>Presets: {@code swin_tiny}, {@code swin_small}, {@code swin_base} (timm's
 * {@code swin_*_patch4_window7_224}: patch 4, window 7, 224×224 input; Swin-B ends in 7×7 tokens
 * of width 1024) and {@code micro} (64×64 input, width 32, depths [2, 2, 2, 2], window 4) for
 * tests.
 */
public final class SwinConfig {
  /** Names accepted by {@link #preset(String)}. */
  public static final String[] PRESETS = {"micro", "swin_tiny", "swin_small", "swin_base"};

  private final String name;
  private final int imageSize;
  private final int patchSize;
  private final int inChannels;
  private final int embedDim;
  private final int[] depths;
  private final int[] heads;
  private final int window;
  private final float mlpRatio;
  private final float dropPathRate;

  private SwinConfig(Builder b) {
    this.name = b.name;
    this.imageSize = b.imageSize;
    this.patchSize = b.patchSize;
    this.inChannels = b.inChannels;
    this.embedDim = b.embedDim;
    this.depths = b.depths.clone();
    this.heads = b.heads.clone();
    this.window = b.window;
    this.mlpRatio = b.mlpRatio;
    this.dropPathRate = b.dropPathRate;
  }

  /**
   * A named preset.
   *
   * @throws IllegalArgumentException for an unknown name, listing the known ones
   */
  public static SwinConfig preset(String name) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    switch (key) {
      case "micro":
        return builder()
            .optName("micro")
            .setImageSize(64)
            .setEmbedDim(32)
            .setDepths(2, 2, 2, 2)
            .setHeads(1, 2, 4, 8)
            .optWindow(4)
            .optDropPathRate(0f)
            .build();
      case "swin_tiny":
        return builder()
            .optName("swin_tiny")
            .setImageSize(224)
            .setEmbedDim(96)
            .setDepths(2, 2, 6, 2)
            .setHeads(3, 6, 12, 24)
            .optDropPathRate(0.2f)
            .build();
      case "swin_small":
        return builder()
            .optName("swin_small")
            .setImageSize(224)
            .setEmbedDim(96)
            .setDepths(2, 2, 18, 2)
            .setHeads(3, 6, 12, 24)
            .optDropPathRate(0.3f)
            .build();
      case "swin_base":
        return builder()
            .optName("swin_base")
            .setImageSize(224)
            .setEmbedDim(128)
            .setDepths(2, 2, 18, 2)
            .setHeads(4, 8, 16, 32)
            .optDropPathRate(0.5f)
            .build();
      default:
        throw new IllegalArgumentException(
            "Unknown Swin preset '" + name + "', known: " + String.join(", ", PRESETS));
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder initialised with this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.name = name;
    b.imageSize = imageSize;
    b.patchSize = patchSize;
    b.inChannels = inChannels;
    b.embedDim = embedDim;
    b.depths = depths.clone();
    b.heads = heads.clone();
    b.window = window;
    b.mlpRatio = mlpRatio;
    b.dropPathRate = dropPathRate;
    return b;
  }

  public String name() {
    return name;
  }

  public int imageSize() {
    return imageSize;
  }

  public int patchSize() {
    return patchSize;
  }

  public int inChannels() {
    return inChannels;
  }

  public int embedDim() {
    return embedDim;
  }

  public int stages() {
    return depths.length;
  }

  public int depth(int stage) {
    return depths[stage];
  }

  public int[] depths() {
    return depths.clone();
  }

  public int heads(int stage) {
    return heads[stage];
  }

  public int[] heads() {
    return heads.clone();
  }

  /** The configured window; a stage whose resolution is ≤ it uses its resolution instead. */
  public int window() {
    return window;
  }

  public float mlpRatio() {
    return mlpRatio;
  }

  /** Stochastic depth: the drop rate of the last block; rates grow linearly from 0. */
  public float dropPathRate() {
    return dropPathRate;
  }

  /** Token width of stage {@code s}: embedDim·2^s. */
  public int stageDim(int stage) {
    return embedDim << stage;
  }

  /** Token grid side of stage {@code s}: imageSize / patchSize / 2^s. */
  public int stageResolution(int stage) {
    return imageSize / patchSize >> stage;
  }

  /** Width of the output tokens. */
  public int outputDim() {
    return stageDim(stages() - 1);
  }

  /** Number of output tokens (side²). */
  public int outputTokens() {
    int side = stageResolution(stages() - 1);
    return side * side;
  }

  /** Window actually used at stage {@code s} (timm's rule: shrunk to the resolution). */
  public int stageWindow(int stage) {
    return Math.min(window, stageResolution(stage));
  }

  /** Whether the odd blocks of stage {@code s} shift their windows (not when window ≥ res). */
  public boolean stageShifts(int stage) {
    return stageResolution(stage) > window;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof SwinConfig)) {
      return false;
    }
    SwinConfig c = (SwinConfig) o;
    return name.equals(c.name)
        && imageSize == c.imageSize
        && patchSize == c.patchSize
        && inChannels == c.inChannels
        && embedDim == c.embedDim
        && Arrays.equals(depths, c.depths)
        && Arrays.equals(heads, c.heads)
        && window == c.window
        && mlpRatio == c.mlpRatio
        && dropPathRate == c.dropPathRate;
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, imageSize, embedDim, Arrays.hashCode(depths), window);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "SwinConfig[%s: %dpx, patch %d, embed %d, depths %s, heads %s, window %d]",
        name,
        imageSize,
        patchSize,
        embedDim,
        Arrays.toString(depths),
        Arrays.toString(heads),
        window);
  }

  /** {@code setX} fields are required, {@code optX} have defaults. */
  public static final class Builder {
    private String name = "custom";
    private int imageSize;
    private int patchSize = 4;
    private int inChannels = 3;
    private int embedDim;
    private int[] depths;
    private int[] heads;
    private int window = 7;
    private float mlpRatio = 4f;
    private float dropPathRate = 0.1f;

    private Builder() {}

    public Builder optName(String name) {
      this.name = name;
      return this;
    }

    public Builder setImageSize(int imageSize) {
      this.imageSize = imageSize;
      return this;
    }

    public Builder optPatchSize(int patchSize) {
      this.patchSize = patchSize;
      return this;
    }

    public Builder optInChannels(int inChannels) {
      this.inChannels = inChannels;
      return this;
    }

    public Builder setEmbedDim(int embedDim) {
      this.embedDim = embedDim;
      return this;
    }

    public Builder setDepths(int... depths) {
      this.depths = depths;
      return this;
    }

    public Builder setHeads(int... heads) {
      this.heads = heads;
      return this;
    }

    public Builder optWindow(int window) {
      this.window = window;
      return this;
    }

    public Builder optMlpRatio(float mlpRatio) {
      this.mlpRatio = mlpRatio;
      return this;
    }

    public Builder optDropPathRate(float dropPathRate) {
      this.dropPathRate = dropPathRate;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the missing or inconsistent field
     */
    public SwinConfig build() {
      if (imageSize <= 0) {
        throw new IllegalArgumentException("Must set imageSize (> 0)");
      }
      if (embedDim <= 0) {
        throw new IllegalArgumentException("Must set embedDim (> 0)");
      }
      if (depths == null || depths.length == 0) {
        throw new IllegalArgumentException("Must set depths");
      }
      if (heads == null || heads.length != depths.length) {
        throw new IllegalArgumentException(
            "Must set heads, one per stage (" + depths.length + " stages)");
      }
      if (patchSize <= 0 || imageSize % patchSize != 0) {
        throw new IllegalArgumentException(
            "patchSize " + patchSize + " must divide imageSize " + imageSize);
      }
      if (window <= 0) {
        throw new IllegalArgumentException("window must be > 0, got " + window);
      }
      if (!(dropPathRate >= 0 && dropPathRate < 1)) {
        throw new IllegalArgumentException("dropPathRate must be in [0, 1), got " + dropPathRate);
      }
      if (!(mlpRatio > 0)) {
        throw new IllegalArgumentException("mlpRatio must be > 0, got " + mlpRatio);
      }
      int side = imageSize / patchSize;
      for (int s = 0; s < depths.length; s++) {
        int res = side >> s;
        if (depths[s] <= 0) {
          throw new IllegalArgumentException("depths[" + s + "] must be > 0");
        }
        if (res << s != side || res == 0) {
          throw new IllegalArgumentException(
              String.format(
                  "Token grid %d×%d cannot be halved %d times (stage %d)", side, side, s, s));
        }
        int w = Math.min(window, res);
        if (res % w != 0) {
          throw new IllegalArgumentException(
              String.format("Stage %d resolution %d is not a multiple of window %d", s, res, w));
        }
        int dim = embedDim << s;
        if (heads[s] <= 0 || dim % heads[s] != 0) {
          throw new IllegalArgumentException(
              String.format("Stage %d width %d is not divisible by heads %d", s, dim, heads[s]));
        }
      }
      return new SwinConfig(this);
    }
  }
}
