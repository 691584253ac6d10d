package org.geodecoder.jobs.train;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.geodecoder.jobs.cli.JobOptionsReader;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.decoder.DecoderConfig;
import org.geodecoder.model.loss.GeoLossQueries;

/**
 * The {@code train} options that shape the model beyond {@code --preset}: a pretrained encoder,
 * which scene queries the geo loss supervises, and the paper's ablation knobs (Tables 2, 4, 6).
 * An empty value keeps the preset's (or the {@code --init} model's) choice. All of them are
 * trajectory options (a resumed run must repeat them) and end up in {@code model.json}.
 *
 * @param scenes 0 = the preset's
 * @param dependentLayers −1 = the preset's (and so on for the other numbers)
 * @param dropPath NaN = the preset's
 */
record ModelOptions(String encoderWeights, GeoLossQueries geoLossQueries, int scenes, int dependentLayers,
    int decoderLayers, int decoderDim, int heads, float dropPath, int hierarchies, Precision precision)
    implements Serializable {

  static final List<OptionSpec> SPECS = List.of(
      OptionSpec.withDefault("encoder-weights", "", "ImageNet-pretrained Swin encoder, a .safetensors file in timm or torchvision names (any Hadoop URI; detected from the names, checked strictly against --preset, classifier ignored; decoder and heads start from --seed). Empty: random encoder"),
      OptionSpec.withDefault("geo-loss-queries", "", "which scene queries the geo loss trains: all (mean over the S queries of each hierarchy), selected (the queries of the scene the model picks, argmax confidence), true-scene (the queries of the labelled scene). Empty: all, or the --init model's"),
      OptionSpec.withDefault("scenes", "", "scene queries S and the label column used: 3, 16 or 365 (Places365 hierarchy; paper: 16). Empty: the preset's"),
      OptionSpec.withDefault("dependent-layers", "", "hierarchy-dependent decoder layers E (paper: 2 of 8). Empty: the preset's"),
      OptionSpec.withDefault("decoder-layers", "", "GeoDecoder layers in all (paper: 8). Empty: the preset's"),
      OptionSpec.withDefault("decoder-dim", "", "GeoDecoder query width (0 = the encoder's token width, paper: 1024). Empty: the preset's"),
      OptionSpec.withDefault("heads", "", "GeoDecoder attention heads (paper does not say; preset: 8). Empty: the preset's"),
      OptionSpec.withDefault("drop-path", "", "encoder stochastic-depth rate of the last block, in [0, 1) (timm's Swin-B: 0.5). Empty: the preset's"),
      OptionSpec.withDefault("hierarchies", "", "train on the first k hierarchies of --cells (coarsest first; paper: 7). Empty: all"),
      OptionSpec.withDefault("precision", "fp32", "number format of forward and backward: fp32, or bf16 (mixed precision: bfloat16 matrix products, fp32 LayerNorm/softmax/loss, fp32 weights, gradients and optimizer state; recorded in model.json, a resumed run must keep it)"));

  /** The option names, in {@link #SPECS} order. */
  static final List<String> NAMES = SPECS.stream().map(OptionSpec::name).toList();

  /** {@code base} followed by this group's options. */
  static <T> List<T> appendTo(List<T> base, List<T> mine) {
    List<T> all = new ArrayList<>(base);
    all.addAll(mine);
    return List.copyOf(all);
  }

  static ModelOptions parse(JobOptionsReader r, String preset, String init) {
    String weights = r.string("encoder-weights").trim();
    if (!weights.isEmpty() && !init.isEmpty()) {
      throw r.bad("encoder-weights", weights, "cannot be combined with --init " + init
          + " (the --init model already holds a whole network, encoder included)");
    }
    GeoLossQueries queries = null;
    if (!r.string("geo-loss-queries").isEmpty()) {
      queries = GeoLossQueries.parse(r.choice("geo-loss-queries", "all", "selected", "true-scene"));
    }
    int scenes = r.string("scenes").isEmpty() ? 0 : Integer.parseInt(r.choice("scenes", "3", "16", "365"));
    ModelOptions o = new ModelOptions(weights, queries, scenes, number(r, "dependent-layers", 0, 64),
        number(r, "decoder-layers", 1, 64), number(r, "decoder-dim", 0, 65536), number(r, "heads", 1, 1024),
        r.string("drop-path").isEmpty() ? Float.NaN : (float) r.doubleValue("drop-path", 0, 0.999999),
        number(r, "hierarchies", 1, 64), Precision.parse(r.choice("precision", "fp32", "bf16")));
    // validates the combination with the preset now, before Spark starts
    ClassHierarchy one = ClassHierarchy.fromArrays(new int[] {1}, new int[][] {null}, new double[][] {{0}},
        new double[][] {{0}});
    o.apply(ModelConfig.preset(preset, one), "--preset " + preset);
    return o;
  }

  private static int number(JobOptionsReader r, String name, int min, int max) {
    return r.string(name).isEmpty() ? -1 : r.integer(name, min, max);
  }

  /** The hierarchy the model predicts: the first {@code --hierarchies} of the cells' (all by default). */
  ClassHierarchy hierarchy(ClassHierarchy cells, String cellsUri) {
    if (hierarchies < 0) {
      return cells;
    }
    if (hierarchies > cells.hierarchies()) {
      throw new OptionException("Cannot set --hierarchies (spark.geodecoder.train.hierarchies) to '" + hierarchies
          + "': --cells " + cellsUri + " has only " + cells.hierarchies() + " hierarchies");
    }
    return cells.firstHierarchies(hierarchies);
  }

  /**
   * The preset with this group's overrides.
   *
   * @param what the base's name for messages
   * @throws OptionException for a combination the model rejects (e.g. more dependent layers than layers)
   */
  ModelConfig apply(ModelConfig base, String what) {
    DecoderConfig.Builder d = base.decoder().toBuilder();
    if (scenes > 0) {
      d.optScenes(scenes);
    }
    if (dependentLayers >= 0) {
      d.optHierarchyLayers(dependentLayers);
    }
    if (decoderLayers > 0) {
      d.optLayers(decoderLayers);
    }
    if (decoderDim >= 0) {
      d.optDim(decoderDim);
    }
    if (heads > 0) {
      d.optHeads(heads);
    }
    try {
      ModelConfig.Builder b = base.toBuilder().setDecoder(d.build()).optPrecision(precision);
      if (!Float.isNaN(dropPath)) {
        b.setEncoder(base.encoder().toBuilder().optDropPathRate(dropPath).build());
      }
      if (geoLossQueries != null) {
        b.optGeoLossQueries(geoLossQueries);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new OptionException("Invalid model options for " + what + ": " + e.getMessage());
    }
  }

  /**
   * The {@code --init} model's config with {@code --geo-loss-queries} applied, after checking that
   * every architecture option given agrees with it (its weights fix the architecture).
   *
   * @throws OptionException naming the first option that differs from the --init model
   */
  ModelConfig checkInit(ModelConfig init, String initUri) {
    ModelConfig wanted = apply(init, "--init " + initUri);
    DecoderConfig a = init.decoder();
    DecoderConfig b = wanted.decoder();
    String[][] checks = {
        {"scenes", "" + a.scenes(), "" + b.scenes()},
        {"dependent-layers", "" + a.hierarchyLayers(), "" + b.hierarchyLayers()},
        {"decoder-layers", "" + a.layers(), "" + b.layers()},
        {"decoder-dim", "" + a.dim(), "" + b.dim()},
        {"heads", "" + a.heads(), "" + b.heads()},
        {"drop-path", "" + init.encoder().dropPathRate(), "" + wanted.encoder().dropPathRate()}};
    for (String[] c : checks) {
      if (!Objects.equals(c[1], c[2])) {
        throw new OptionException("Cannot set --" + c[0] + " (spark.geodecoder.train." + c[0] + ") to '" + c[2]
            + "': the --init model " + initUri + " was built with " + c[1] + " (its model.json); drop the option or"
            + " start without --init");
      }
    }
    return wanted;
  }
}
