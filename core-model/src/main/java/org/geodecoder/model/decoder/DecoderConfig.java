package org.geodecoder.model.decoder;

import java.util.Locale;
import java.util.Objects;

/**
 * Architecture of the GeoDecoder: S scenes, width D, L layers of which the last E are
 * hierarchy dependent, attention heads and the FFN ratio. The number of hierarchies H comes from
 * the class hierarchy. Immutable.
 *
 * <p>The paper: S = 16, D = the encoder's token width (1024 for Swin-B), L = 8, E = 2. A width
 * of 0 means "the encoder's width"; any other width adds a linear projection of the tokens.
 */
public final class DecoderConfig {
  private final int scenes;
  private final int dim;
  private final int layers;
  private final int hierarchyLayers;
  private final int heads;
  private final float mlpRatio;

  private DecoderConfig(Builder b) {
    this.scenes = b.scenes;
    this.dim = b.dim;
    this.layers = b.layers;
    this.hierarchyLayers = b.hierarchyLayers;
    this.heads = b.heads;
    this.mlpRatio = b.mlpRatio;
  }

  /** The paper's decoder: S 16, D = encoder width, L 8, E 2, 8 heads. */
  public static DecoderConfig paper() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return builder()
        .optScenes(scenes)
        .optDim(dim)
        .optLayers(layers)
        .optHierarchyLayers(hierarchyLayers)
        .optHeads(heads)
        .optMlpRatio(mlpRatio);
  }

  public int scenes() {
    return scenes;
  }

  /** Width D, or 0 for the encoder's width. */
  public int dim() {
    return dim;
  }

  /** The width actually used with an encoder of width {@code encoderDim}. */
  public int resolvedDim(int encoderDim) {
    return dim == 0 ? encoderDim : dim;
  }

  public int layers() {
    return layers;
  }

  public int hierarchyLayers() {
    return hierarchyLayers;
  }

  public int heads() {
    return heads;
  }

  public float mlpRatio() {
    return mlpRatio;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DecoderConfig)) {
      return false;
    }
    DecoderConfig c = (DecoderConfig) o;
    return scenes == c.scenes
        && dim == c.dim
        && layers == c.layers
        && hierarchyLayers == c.hierarchyLayers
        && heads == c.heads
        && mlpRatio == c.mlpRatio;
  }

  @Override
  public int hashCode() {
    return Objects.hash(scenes, dim, layers, hierarchyLayers, heads, mlpRatio);
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "DecoderConfig[S %d, D %s, L %d, E %d, heads %d, mlp %.1f]",
        scenes,
        dim == 0 ? "encoder" : String.valueOf(dim),
        layers,
        hierarchyLayers,
        heads,
        mlpRatio);
  }

  /** All fields have the paper's defaults. */
  public static final class Builder {
    private int scenes = 16;
    private int dim;
    private int layers = 8;
    private int hierarchyLayers = 2;
    private int heads = 8;
    private float mlpRatio = 4f;

    private Builder() {}

    public Builder optScenes(int scenes) {
      this.scenes = scenes;
      return this;
    }

    public Builder optDim(int dim) {
      this.dim = dim;
      return this;
    }

    public Builder optLayers(int layers) {
      this.layers = layers;
      return this;
    }

    public Builder optHierarchyLayers(int hierarchyLayers) {
      this.hierarchyLayers = hierarchyLayers;
      return this;
    }

    public Builder optHeads(int heads) {
      this.heads = heads;
      return this;
    }

    public Builder optMlpRatio(float mlpRatio) {
      this.mlpRatio = mlpRatio;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the bad field
     */
    public DecoderConfig build() {
      if (scenes < 1) {
        throw new IllegalArgumentException("scenes must be ≥ 1, got " + scenes);
      }
      if (dim < 0) {
        throw new IllegalArgumentException("dim must be ≥ 0 (0 = encoder width), got " + dim);
      }
      if (layers < 1) {
        throw new IllegalArgumentException("layers must be ≥ 1, got " + layers);
      }
      if (hierarchyLayers < 0 || hierarchyLayers > layers) {
        throw new IllegalArgumentException(
            "hierarchyLayers must be in [0, layers=" + layers + "], got " + hierarchyLayers);
      }
      if (heads < 1 || (dim > 0 && dim % heads != 0)) {
        throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads);
      }
      if (!(mlpRatio > 0)) {
        throw new IllegalArgumentException("mlpRatio must be > 0, got " + mlpRatio);
      }
      return new DecoderConfig(this);
    }
  }
}
