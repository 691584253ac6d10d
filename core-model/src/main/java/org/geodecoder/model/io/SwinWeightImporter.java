package org.geodecoder.model.io;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.geodecoder.model.GeoModel;

/**
 * Fills the Swin encoder of a model from an ImageNet-pretrained {@code .safetensors} file with
 * timm's parameter names (e.g. {@code swin_base_patch4_window7_224}) or torchvision's ({@code
 * swin_t/s/b}, translated by {@link SwinTensorNames}; the naming is detected from the tensor
 * names); nothing is downloaded.
 *
 * <p>Name mapping: {@code patch_embed.proj/norm}, {@code layers.i.blocks.j.{norm1, norm2,
 * attn.proj, attn.relative_position_bias_table, mlp.fc1, mlp.fc2}}, {@code
 * layers.i.downsample.{norm, reduction}} (timm ≥ 0.9 puts the merge at the start of stage i;
 * older files name it {@code layers.(i−1).downsample}, both are accepted) and {@code norm}. The
 * fused {@code attn.qkv} weight {@code [3C, C]} and bias {@code [3C]} are split into our query,
 * key and value rows 0..C, C..2C, 2C..3C. LayerNorm {@code weight/bias} map to DJL's {@code
 * gamma/beta}.
 *
 * <p>Ignored with a reason: {@code relative_position_index} and {@code attn_mask} (buffers the
 * blocks compute themselves) and {@code head.*} (the ImageNet classifier). Strict mode fails
 * unless every encoder parameter is filled and every other tensor is used or ignored.
 */
public final class SwinWeightImporter {
  private static final String ENCODER = "encoder_";
  private static final Pattern ORDINAL = Pattern.compile("(^|_)\\d\\d(?=[A-Za-z])");
  private static final Pattern BLOCK =
      Pattern.compile("stage(\\d+)_block(\\d+)_(\\w+)");
  private static final Pattern DOWNSAMPLE = Pattern.compile("stage(\\d+)_downsample_(\\w+)");

  private SwinWeightImporter() {}

  /**
   * @param strict throw unless the import is {@link ImportReport#isComplete() complete}
   * @throws IllegalArgumentException on a shape mismatch, or in strict mode an incomplete import
   */
  public static ImportReport importInto(GeoModel model, Path file, boolean strict) {
    try (InputStream is = new BufferedInputStream(Files.newInputStream(file))) {
      return importInto(model, is, file.toString(), strict);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read " + file, e);
    }
  }

  /**
   * Imports from a stream (e.g. a Hadoop file). Tensors in torchvision's names are translated to
   * timm's ({@link SwinTensorNames}); errors and the report use the file's own names.
   *
   * @param source the file's name for messages
   * @throws IllegalArgumentException naming the first tensor whose shape does not fit the model's
   *     encoder, or in strict mode every parameter not filled and every tensor not used
   */
  public static ImportReport importInto(
      GeoModel model, InputStream in, String source, boolean strict) {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      Map<String, NDArray> file = new HashMap<>();
      for (NDArray a : NDList.decode(m, in)) {
        file.put(a.getName(), a);
      }
      SwinTensorNames.Naming naming = SwinTensorNames.detect(file.keySet());
      Map<String, NDArray> tensors = new HashMap<>();
      Map<String, String> fileName = new HashMap<>();
      for (Map.Entry<String, NDArray> e : file.entrySet()) {
        String timm =
            naming == SwinTensorNames.Naming.TORCHVISION
                ? SwinTensorNames.timmName(e.getKey())
                : e.getKey();
        tensors.put(timm, e.getValue());
        fileName.put(timm, e.getKey());
      }
      String encoder = model.config().encoder().name();
      Map<String, String> filled = new TreeMap<>();
      List<String> missing = new ArrayList<>();
      java.util.Set<String> used = new java.util.HashSet<>();
      for (int i = 0; i < model.parameterNames().size(); i++) {
        String canonical = ORDINAL.matcher(model.parameterNames().get(i)).replaceAll("$1");
        if (!canonical.startsWith(ENCODER)) {
          continue;
        }
        NDArray target = model.parameters().get(i).getArray();
        Source src = source(canonical.substring(ENCODER.length()), tensors);
        if (src == null) {
          missing.add(model.parameterNames().get(i));
          continue;
        }
        NDArray value = tensors.get(src.name).toType(DataType.FLOAT32, false);
        if (src.part >= 0) {
          long rows = value.getShape().get(0) / 3;
          value = value.get((src.part * rows) + ":" + ((src.part + 1) * rows));
        }
        if (!value.getShape().equals(target.getShape())) {
          throw new IllegalArgumentException(
              String.format(
                  "%s: tensor %s%s has shape %s but the %s encoder's parameter %s needs %s"
                      + " (weights of another Swin variant?)",
                  source,
                  fileName.get(src.name),
                  src.part >= 0 ? " (part " + src.part + " of q/k/v)" : "",
                  value.getShape(),
                  encoder,
                  model.parameterNames().get(i),
                  target.getShape()));
        }
        target.set(value.toFloatArray());
        used.add(src.name);
        String name = fileName.get(src.name);
        filled.put(
            model.parameterNames().get(i),
            src.part >= 0 ? name + "[" + "qkv".charAt(src.part) + "]" : name);
      }
      Map<String, String> ignored = new TreeMap<>();
      List<String> unused = new ArrayList<>();
      for (String name : new java.util.TreeSet<>(tensors.keySet())) {
        if (used.contains(name)) {
          continue;
        }
        String reason = ignoreReason(name);
        if (reason != null) {
          ignored.put(fileName.get(name), reason);
        } else {
          unused.add(fileName.get(name));
        }
      }
      java.util.Collections.sort(unused);
      ImportReport report = new ImportReport(filled, ignored, unused, missing);
      if (strict && !report.isComplete()) {
        throw new IllegalArgumentException(
            String.format(
                "%s: incomplete import of %s weights: parameters not filled %s, tensors not used %s",
                source, encoder, missing, unused));
      }
      return report;
    }
  }

  /** The timm tensor (and q/k/v part) for one encoder parameter, or null if the file lacks it. */
  static Source source(String p, Map<String, NDArray> tensors) {
    Matcher b = BLOCK.matcher(p);
    if (b.matches()) {
      String prefix = "layers." + b.group(1) + ".blocks." + b.group(2) + ".";
      String rest = b.group(3);
      switch (rest) {
        case "attention_relativePositionBiasTable":
          return found(prefix + "attn.relative_position_bias_table", -1, tensors);
        case "attention_query_weight":
          return found(prefix + "attn.qkv.weight", 0, tensors);
        case "attention_key_weight":
          return found(prefix + "attn.qkv.weight", 1, tensors);
        case "attention_value_weight":
          return found(prefix + "attn.qkv.weight", 2, tensors);
        case "attention_query_bias":
          return found(prefix + "attn.qkv.bias", 0, tensors);
        case "attention_key_bias":
          return found(prefix + "attn.qkv.bias", 1, tensors);
        case "attention_value_bias":
          return found(prefix + "attn.qkv.bias", 2, tensors);
        default:
          return found(prefix + generic(rest), -1, tensors);
      }
    }
    Matcher d = DOWNSAMPLE.matcher(p);
    if (d.matches()) {
      int stage = Integer.parseInt(d.group(1));
      String leaf = generic(d.group(2));
      Source current = found("layers." + stage + ".downsample." + leaf, -1, tensors);
      return current != null
          ? current
          : found("layers." + (stage - 1) + ".downsample." + leaf, -1, tensors);
    }
    if (p.startsWith("patchEmbedding_projection_")) {
      return found("patch_embed.proj." + p.substring("patchEmbedding_projection_".length()), -1, tensors);
    }
    if (p.startsWith("patchEmbedding_norm_")) {
      return found("patch_embed." + generic(p.substring("patchEmbedding_".length())), -1, tensors);
    }
    return found(generic(p), -1, tensors);
  }

  /** {@code norm1_gamma} → {@code norm1.weight}, {@code mlp_fc1_weight} → {@code mlp.fc1.weight}. */
  private static String generic(String p) {
    String s = p.replace("attention_projection_", "attn.proj.").replace('_', '.');
    if (s.endsWith(".gamma")) {
      s = s.substring(0, s.length() - 6) + ".weight";
    } else if (s.endsWith(".beta")) {
      s = s.substring(0, s.length() - 5) + ".bias";
    }
    return s;
  }

  private static Source found(String name, int part, Map<String, NDArray> tensors) {
    return tensors.containsKey(name) ? new Source(name, part) : null;
  }

  private static String ignoreReason(String name) {
    if (name.endsWith("relative_position_index")) {
      return "buffer, computed by WindowAttention";
    }
    if (name.endsWith("attn_mask")) {
      return "buffer, computed by SwinBlock";
    }
    if (name.startsWith("head.")) {
      return "ImageNet classifier, not part of the encoder";
    }
    return null;
  }

  /** A file tensor, and which third of its rows (0 q, 1 k, 2 v) or −1 for all of it. */
  static final class Source {
    final String name;
    final int part;

    Source(String name, int part) {
      this.name = name;
      this.part = part;
    }
  }
}
