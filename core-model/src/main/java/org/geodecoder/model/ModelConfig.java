package org.geodecoder.model;

import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.geodecoder.model.decoder.DecoderConfig;
import org.geodecoder.model.loss.GeoLossQueries;
import org.geodecoder.model.swin.SwinConfig;

/**
 * Everything needed to build a model: the encoder, the decoder, the class hierarchy (H and the
 * class count of each hierarchy come from it) and optionally a reference to the cells table the
 * hierarchy was built from. Immutable; saved as {@code model.json} in checkpoints.
 */
public final class ModelConfig {
  /** Names accepted by {@link #preset}: the Swin presets and {@code paper}. */
  public static final String[] PRESETS = {"micro", "swin_tiny", "swin_small", "swin_base", "paper"};

  private final SwinConfig encoder;
  private final DecoderConfig decoder;
  private final ClassHierarchy hierarchy;
  private final String cellsTable;
  private final GeoLossQueries geoLossQueries;
  private final Precision precision;

  private ModelConfig(Builder b) {
    this.encoder = b.encoder;
    this.decoder = b.decoder;
    this.hierarchy = b.hierarchy;
    this.cellsTable = b.cellsTable;
    this.geoLossQueries = b.geoLossQueries;
    this.precision = b.precision;
  }

  /**
   * A named preset with the given classes: {@code micro} (micro Swin, a small decoder: D 64, L 2,
   * E 1, 4 heads, 16 scenes) or {@code swin_tiny}, {@code swin_small}, {@code swin_base} (with
   * the paper's decoder); {@code paper} is {@code swin_base}.
   */
  public static ModelConfig preset(String name, ClassHierarchy hierarchy) {
    String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    if (key.equals("paper")) {
      key = "swin_base";
    }
    SwinConfig encoder = SwinConfig.preset(key);
    DecoderConfig decoder =
        key.equals("micro")
            ? DecoderConfig.builder().optDim(64).optLayers(2).optHierarchyLayers(1).optHeads(4).build()
            : DecoderConfig.paper();
    return builder().setEncoder(encoder).setDecoder(decoder).setHierarchy(hierarchy).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return builder()
        .setEncoder(encoder)
        .setDecoder(decoder)
        .setHierarchy(hierarchy)
        .optCellsTable(cellsTable)
        .optGeoLossQueries(geoLossQueries)
        .optPrecision(precision);
  }

  public SwinConfig encoder() {
    return encoder;
  }

  public DecoderConfig decoder() {
    return decoder;
  }

  public ClassHierarchy hierarchy() {
    return hierarchy;
  }

  /** Where the hierarchy came from (e.g. a cells.parquet path), if recorded. */
  public Optional<String> cellsTable() {
    return Optional.ofNullable(cellsTable);
  }

  /** Which scene queries the geo loss trains (a training choice, recorded with the model). */
  public GeoLossQueries geoLossQueries() {
    return geoLossQueries;
  }

  /**
   * The number format the model was trained in (a training choice, recorded with the model), and
   * the one {@link GeoModel} runs in unless told otherwise. Parameters are fp32 in either.
   */
  public Precision precision() {
    return precision;
  }

  /** Input image side. */
  public int imageSize() {
    return encoder.imageSize();
  }

  public int hierarchies() {
    return hierarchy.hierarchies();
  }

  public int scenes() {
    return decoder.scenes();
  }

  /** Width of the decoder's queries. */
  public int decoderDim() {
    return decoder.resolvedDim(encoder.outputDim());
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ModelConfig)) {
      return false;
    }
    ModelConfig c = (ModelConfig) o;
    return encoder.equals(c.encoder)
        && decoder.equals(c.decoder)
        && hierarchy.equals(c.hierarchy)
        && Objects.equals(cellsTable, c.cellsTable)
        && geoLossQueries == c.geoLossQueries
        && precision == c.precision;
  }

  @Override
  public int hashCode() {
    return Objects.hash(encoder, decoder, hierarchy, cellsTable, geoLossQueries, precision);
  }

  @Override
  public String toString() {
    return "ModelConfig[" + encoder + ", " + decoder + ", " + hierarchy + "]";
  }

  /** Encoder, decoder and hierarchy are required. */
  public static final class Builder {
    private SwinConfig encoder;
    private DecoderConfig decoder;
    private ClassHierarchy hierarchy;
    private String cellsTable;
    private GeoLossQueries geoLossQueries = GeoLossQueries.ALL;
    private Precision precision = Precision.FP32;

    private Builder() {}

    public Builder setEncoder(SwinConfig encoder) {
      this.encoder = encoder;
      return this;
    }

    public Builder setDecoder(DecoderConfig decoder) {
      this.decoder = decoder;
      return this;
    }

    public Builder setHierarchy(ClassHierarchy hierarchy) {
      this.hierarchy = hierarchy;
      return this;
    }

    public Builder optCellsTable(String cellsTable) {
      this.cellsTable = cellsTable;
      return this;
    }

    public Builder optGeoLossQueries(GeoLossQueries geoLossQueries) {
      this.geoLossQueries = Objects.requireNonNull(geoLossQueries, "geoLossQueries");
      return this;
    }

    /** Number format of the forward and backward pass; default fp32. */
    public Builder optPrecision(Precision precision) {
      this.precision = Objects.requireNonNull(precision, "precision");
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the missing field or the inconsistency
     */
    public ModelConfig build() {
      if (encoder == null) {
        throw new IllegalArgumentException("Must set encoder");
      }
      if (decoder == null) {
        throw new IllegalArgumentException("Must set decoder");
      }
      if (hierarchy == null) {
        throw new IllegalArgumentException("Must set hierarchy");
      }
      int dim = decoder.resolvedDim(encoder.outputDim());
      if (dim % decoder.heads() != 0) {
        throw new IllegalArgumentException(
            "Decoder width " + dim + " is not divisible by decoder heads " + decoder.heads());
      }
      return new ModelConfig(this);
    }
  }
}
