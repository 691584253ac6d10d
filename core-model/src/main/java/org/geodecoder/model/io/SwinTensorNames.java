package org.geodecoder.model.io;

import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two public namings of Swin checkpoints, and torchvision's names translated to timm's so one
 * mapping ({@link SwinWeightImporter}) serves both.
 *
 * <p>torchvision ({@code torchvision.models.swin_t/s/b}) keeps the network in one flat {@code
 * features} Sequential: {@code features.0.0} the patch convolution, {@code features.0.2} its
 * LayerNorm, {@code features.(2s+1).j} block j of stage s, {@code features.(2s).{norm,reduction}}
 * the patch merging that starts stage s (s ≥ 1); the MLP's linears are {@code mlp.0} and {@code
 * mlp.3}; the classifier is {@code head}. timm (≥ 0.9) names the same tensors {@code
 * patch_embed.proj}, {@code patch_embed.norm}, {@code layers.s.blocks.j}, {@code
 * layers.s.downsample}, {@code mlp.fc1}, {@code mlp.fc2} and {@code head.fc}; {@code qkv}, {@code
 * proj}, {@code norm1/2}, {@code relative_position_bias_table} and the final {@code norm} are
 * spelled alike, with the same layouts (q, k, v stacked in {@code qkv}; the bias table indexed by
 * {@code (Δrow + w − 1)·(2w − 1) + Δcol + w − 1}; the 2×2 merge concatenating offsets (0,0),
 * (1,0), (0,1), (1,1)), which the torchvision reference test checks numerically.
 */
public final class SwinTensorNames {
  /** Which naming a checkpoint uses. */
  public enum Naming {
    TIMM,
    TORCHVISION
  }

  private static final Pattern TV_PATCH = Pattern.compile("features\\.0\\.([02])\\.(weight|bias)");
  private static final Pattern TV_BLOCK = Pattern.compile("features\\.(\\d+)\\.(\\d+)\\.(.+)");
  private static final Pattern TV_MERGE =
      Pattern.compile("features\\.(\\d+)\\.(norm|reduction)\\.(weight|bias)");

  private SwinTensorNames() {}

  /** torchvision when any tensor lives under {@code features.}, else timm. */
  public static Naming detect(Collection<String> names) {
    for (String n : names) {
      if (n.startsWith("features.")) {
        return Naming.TORCHVISION;
      }
    }
    return Naming.TIMM;
  }

  /**
   * timm's name of a torchvision tensor; names outside the encoder's layout ({@code head.*},
   * unknown ones) are returned unchanged so that the importer reports them.
   */
  public static String timmName(String torchvision) {
    Matcher m = TV_PATCH.matcher(torchvision);
    if (m.matches()) {
      return "patch_embed." + (m.group(1).equals("0") ? "proj." : "norm.") + m.group(2);
    }
    m = TV_MERGE.matcher(torchvision);
    if (m.matches()) {
      int index = Integer.parseInt(m.group(1));
      if (index % 2 == 0 && index > 0) {
        return "layers." + index / 2 + ".downsample." + m.group(2) + "." + m.group(3);
      }
    }
    m = TV_BLOCK.matcher(torchvision);
    if (m.matches()) {
      int index = Integer.parseInt(m.group(1));
      if (index % 2 == 1) {
        String rest = m.group(3).replace("mlp.0.", "mlp.fc1.").replace("mlp.3.", "mlp.fc2.");
        return "layers." + (index - 1) / 2 + ".blocks." + m.group(2) + "." + rest;
      }
    }
    if (torchvision.equals("head.weight") || torchvision.equals("head.bias")) {
      return "head.fc." + torchvision.substring("head.".length());
    }
    return torchvision;
  }
}
