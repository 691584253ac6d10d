package org.geodecoder.model.io;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.Precision;
import org.geodecoder.model.decoder.DecoderConfig;
import org.geodecoder.model.loss.GeoLossQueries;
import org.geodecoder.model.swin.SwinConfig;

/**
 * {@code model.json}: the architecture, the class counts and the hierarchy tree (parents and
 * class locations), and the cells-table reference if any. Field names are a file format; a
 * change needs a new {@link #FORMAT} and a branch that reads the old one.
 */
public final class ModelConfigJson {
  /** Format of model.json. */
  public static final int FORMAT = 1;

  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

  private ModelConfigJson() {}

  public static String toJson(ModelConfig config) {
    JsonObject root = new JsonObject();
    root.addProperty("format", FORMAT);
    SwinConfig e = config.encoder();
    JsonObject encoder = new JsonObject();
    encoder.addProperty("preset", e.name());
    encoder.addProperty("imageSize", e.imageSize());
    encoder.addProperty("patchSize", e.patchSize());
    encoder.addProperty("inChannels", e.inChannels());
    encoder.addProperty("embedDim", e.embedDim());
    encoder.add("depths", GSON.toJsonTree(e.depths()));
    encoder.add("heads", GSON.toJsonTree(e.heads()));
    encoder.addProperty("window", e.window());
    encoder.addProperty("mlpRatio", e.mlpRatio());
    encoder.addProperty("dropPathRate", e.dropPathRate());
    root.add("encoder", encoder);
    DecoderConfig d = config.decoder();
    JsonObject decoder = new JsonObject();
    decoder.addProperty("scenes", d.scenes());
    decoder.addProperty("dim", d.dim());
    decoder.addProperty("layers", d.layers());
    decoder.addProperty("hierarchyLayers", d.hierarchyLayers());
    decoder.addProperty("heads", d.heads());
    decoder.addProperty("mlpRatio", d.mlpRatio());
    root.add("decoder", decoder);
    ClassHierarchy h = config.hierarchy();
    JsonObject hierarchy = new JsonObject();
    hierarchy.add("classCounts", GSON.toJsonTree(h.classCounts()));
    JsonArray levels = new JsonArray();
    for (int k = 0; k < h.hierarchies(); k++) {
      JsonObject level = new JsonObject();
      if (k > 0) {
        level.add("parents", GSON.toJsonTree(h.parents(k)));
      }
      level.add("latDegrees", GSON.toJsonTree(h.latDegrees(k)));
      level.add("lonDegrees", GSON.toJsonTree(h.lonDegrees(k)));
      levels.add(level);
    }
    hierarchy.add("levels", levels);
    root.add("hierarchy", hierarchy);
    config.cellsTable().ifPresent(t -> root.addProperty("cellsTable", t));
    JsonObject training = new JsonObject();
    training.addProperty("geoLossQueries", config.geoLossQueries().optionValue());
    training.addProperty("precision", config.precision().optionValue());
    root.add("training", training);
    return GSON.toJson(root);
  }

  /**
   * @throws IllegalArgumentException for an unknown format or a missing field, naming it
   */
  /**
   * Parses a model.json, naming the file in every error.
   *
   * @param source the file, for messages
   * @throws IllegalArgumentException "SOURCE is not a valid model.json: WHY"
   */
  public static ModelConfig fromJson(String json, String source) {
    try {
      return fromJson(json);
    } catch (RuntimeException e) { // Gson's JsonParseException, IllegalStateException, UnsupportedOperationException ...
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' ');
      throw new IllegalArgumentException(source + " is not a valid model.json: " + why, e);
    }
  }

  public static ModelConfig fromJson(String json) {
    JsonObject root = JsonParser.parseString(json).getAsJsonObject();
    int format = field(root, "format", "").getAsInt();
    if (format != FORMAT) {
      throw new IllegalArgumentException(
          "Unsupported model.json format " + format + ", this build reads " + FORMAT);
    }
    JsonObject e = field(root, "encoder", "").getAsJsonObject();
    SwinConfig encoder =
        SwinConfig.builder()
            .optName(field(e, "preset", "encoder.").getAsString())
            .setImageSize(field(e, "imageSize", "encoder.").getAsInt())
            .optPatchSize(field(e, "patchSize", "encoder.").getAsInt())
            .optInChannels(field(e, "inChannels", "encoder.").getAsInt())
            .setEmbedDim(field(e, "embedDim", "encoder.").getAsInt())
            .setDepths(GSON.fromJson(field(e, "depths", "encoder."), int[].class))
            .setHeads(GSON.fromJson(field(e, "heads", "encoder."), int[].class))
            .optWindow(field(e, "window", "encoder.").getAsInt())
            .optMlpRatio(field(e, "mlpRatio", "encoder.").getAsFloat())
            .optDropPathRate(field(e, "dropPathRate", "encoder.").getAsFloat())
            .build();
    JsonObject d = field(root, "decoder", "").getAsJsonObject();
    DecoderConfig decoder =
        DecoderConfig.builder()
            .optScenes(field(d, "scenes", "decoder.").getAsInt())
            .optDim(field(d, "dim", "decoder.").getAsInt())
            .optLayers(field(d, "layers", "decoder.").getAsInt())
            .optHierarchyLayers(field(d, "hierarchyLayers", "decoder.").getAsInt())
            .optHeads(field(d, "heads", "decoder.").getAsInt())
            .optMlpRatio(field(d, "mlpRatio", "decoder.").getAsFloat())
            .build();
    JsonObject h = field(root, "hierarchy", "").getAsJsonObject();
    int[] counts = GSON.fromJson(field(h, "classCounts", "hierarchy."), int[].class);
    JsonArray levels = field(h, "levels", "hierarchy.").getAsJsonArray();
    int n = counts.length;
    if (levels.size() != n) {
      throw new IllegalArgumentException(
          "model.json: hierarchy.levels has " + levels.size() + " entries, expected " + n);
    }
    int[][] parents = new int[n][];
    double[][] lat = new double[n][];
    double[][] lon = new double[n][];
    for (int k = 0; k < n; k++) {
      JsonObject level = levels.get(k).getAsJsonObject();
      String where = "hierarchy.levels[" + k + "].";
      parents[k] = k == 0 ? null : GSON.fromJson(field(level, "parents", where), int[].class);
      lat[k] = GSON.fromJson(field(level, "latDegrees", where), double[].class);
      lon[k] = GSON.fromJson(field(level, "lonDegrees", where), double[].class);
    }
    ModelConfig.Builder b =
        ModelConfig.builder()
            .setEncoder(encoder)
            .setDecoder(decoder)
            .setHierarchy(ClassHierarchy.fromArrays(counts, parents, lat, lon));
    if (root.has("cellsTable")) {
      b.optCellsTable(root.get("cellsTable").getAsString());
    }
    // optional: files written before the choice existed were trained with "all"
    if (root.has("training") && root.getAsJsonObject("training").has("geoLossQueries")) {
      b.optGeoLossQueries(
          GeoLossQueries.parse(
              root.getAsJsonObject("training").get("geoLossQueries").getAsString()));
    }
    // optional: files written before the choice existed were trained in fp32
    if (root.has("training") && root.getAsJsonObject("training").has("precision")) {
      b.optPrecision(Precision.parse(root.getAsJsonObject("training").get("precision").getAsString()));
    }
    return b.build();
  }

  private static JsonElement field(JsonObject o, String name, String prefix) {
    JsonElement e = o.get(name);
    if (e == null || e.isJsonNull()) {
      throw new IllegalArgumentException("model.json: missing field " + prefix + name);
    }
    return e;
  }
}
