package org.geodecoder.model.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.swin.SwinConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SwinWeightImporterTest {
  /** timm's state_dict names and shapes for a Swin config (timm ≥ 0.9 layout). */
  static Map<String, long[]> timmShapes(SwinConfig c) {
    Map<String, long[]> s = new LinkedHashMap<>();
    int e = c.embedDim();
    s.put("patch_embed.proj.weight", new long[] {e, 3, c.patchSize(), c.patchSize()});
    s.put("patch_embed.proj.bias", new long[] {e});
    s.put("patch_embed.norm.weight", new long[] {e});
    s.put("patch_embed.norm.bias", new long[] {e});
    for (int i = 0; i < c.stages(); i++) {
      long dim = (long) e << i;
      int res = c.imageSize() / c.patchSize() >> i;
      int w = Math.min(c.window(), res);
      String l = "layers." + i + ".";
      if (i > 0) {
        s.put(l + "downsample.norm.weight", new long[] {2 * dim});
        s.put(l + "downsample.norm.bias", new long[] {2 * dim});
        s.put(l + "downsample.reduction.weight", new long[] {dim, 2 * dim});
      }
      for (int j = 0; j < c.depth(i); j++) {
        String b = l + "blocks." + j + ".";
        s.put(b + "norm1.weight", new long[] {dim});
        s.put(b + "norm1.bias", new long[] {dim});
        s.put(b + "attn.relative_position_bias_table", new long[] {(2L * w - 1) * (2L * w - 1), c.heads(i)});
        s.put(b + "attn.relative_position_index", new long[] {(long) w * w, (long) w * w});
        s.put(b + "attn.qkv.weight", new long[] {3 * dim, dim});
        s.put(b + "attn.qkv.bias", new long[] {3 * dim});
        s.put(b + "attn.proj.weight", new long[] {dim, dim});
        s.put(b + "attn.proj.bias", new long[] {dim});
        s.put(b + "norm2.weight", new long[] {dim});
        s.put(b + "norm2.bias", new long[] {dim});
        s.put(b + "mlp.fc1.weight", new long[] {4 * dim, dim});
        s.put(b + "mlp.fc1.bias", new long[] {4 * dim});
        s.put(b + "mlp.fc2.weight", new long[] {dim, 4 * dim});
        s.put(b + "mlp.fc2.bias", new long[] {dim});
        if (j % 2 == 1 && res > c.window()) {
          long n = (long) (res / w) * (res / w);
          s.put(b + "attn_mask", new long[] {n, (long) w * w, (long) w * w});
        }
      }
    }
    long out = c.outputDim();
    s.put("norm.weight", new long[] {out});
    s.put("norm.bias", new long[] {out});
    s.put("head.fc.weight", new long[] {1000, out});
    s.put("head.fc.bias", new long[] {1000});
    return s;
  }

  private static void writeFile(Path file, Map<String, long[]> shapes, NDManager m) throws Exception {
    Random r = new Random(8);
    NDList list = new NDList();
    for (Map.Entry<String, long[]> e : shapes.entrySet()) {
      Shape shape = new Shape(e.getValue());
      float[] v = new float[Math.toIntExact(shape.size())];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextGaussian();
      }
      NDArray a = m.create(v, shape);
      if (e.getKey().endsWith("relative_position_index")) {
        a = a.toType(DataType.INT64, false);
      }
      a.setName(e.getKey());
      list.add(a);
    }
    try (OutputStream os = Files.newOutputStream(file)) {
      list.encode(os, NDList.Encoding.SAFETENSORS);
    }
  }

  private static NDArray param(GeoModel model, String canonical) {
    for (int i = 0; i < model.parameterNames().size(); i++) {
      if (model.parameterNames().get(i).replaceAll("(^|_)\\d\\d(?=[A-Za-z])", "$1").equals(canonical)) {
        return model.parameters().get(i).getArray();
      }
    }
    throw new AssertionError("no parameter " + canonical);
  }

  @Test
  void importsEveryEncoderParameterFromTimmNamesAndSplitsQkv(@TempDir Path dir) throws Exception {
    ModelConfig config = ModelConfig.preset("micro", TestHierarchies.binary(2));
    Path file = dir.resolve("swin.safetensors");
    try (GeoModel model = GeoModel.create(config, Device.cpu(), 1);
        NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, long[]> shapes = timmShapes(config.encoder());
      writeFile(file, shapes, m);
      float[] decoderBefore = param(model, "decoder_queries").toFloatArray();

      ImportReport report = SwinWeightImporter.importInto(model, file, true);

      assertTrue(report.isComplete());
      long encoderParams =
          model.parameterNames().stream().filter(n -> n.startsWith("01encoder")).count();
      assertEquals(encoderParams, report.filled().size());
      assertEquals("ImageNet classifier, not part of the encoder", report.ignored().get("head.fc.weight"));
      assertEquals(
          "buffer, computed by WindowAttention",
          report.ignored().get("layers.2.blocks.1.attn.relative_position_index"));
      assertTrue(report.ignored().containsKey("layers.0.blocks.1.attn_mask"));

      NDList file2;
      try (java.io.InputStream is = Files.newInputStream(file)) {
        file2 = NDList.decode(m, is);
      }
      Map<String, NDArray> byName = new LinkedHashMap<>();
      file2.forEach(a -> byName.put(a.getName(), a));
      NDArray qkv = byName.get("layers.2.blocks.1.attn.qkv.weight"); // [384, 128]
      assertArrayEquals(
          qkv.get("0:128").toFloatArray(),
          param(model, "encoder_stage2_block1_attention_query_weight").toFloatArray());
      assertArrayEquals(
          qkv.get("128:256").toFloatArray(),
          param(model, "encoder_stage2_block1_attention_key_weight").toFloatArray());
      assertArrayEquals(
          byName.get("layers.2.blocks.1.attn.qkv.bias").get("256:384").toFloatArray(),
          param(model, "encoder_stage2_block1_attention_value_bias").toFloatArray());
      assertArrayEquals(
          byName.get("layers.3.downsample.reduction.weight").toFloatArray(),
          param(model, "encoder_stage3_downsample_reduction_weight").toFloatArray());
      assertArrayEquals(
          byName.get("patch_embed.norm.weight").toFloatArray(),
          param(model, "encoder_patchEmbedding_norm_gamma").toFloatArray());
      assertArrayEquals(
          byName.get("layers.1.blocks.0.attn.relative_position_bias_table").toFloatArray(),
          param(model, "encoder_stage1_block0_attention_relativePositionBiasTable").toFloatArray());
      assertArrayEquals(
          byName.get("norm.bias").toFloatArray(),
          param(model, "encoder_norm_beta").toFloatArray());
      // the decoder is left alone
      assertArrayEquals(decoderBefore, param(model, "decoder_queries").toFloatArray());
    }
  }

  @Test
  void strictModeNamesMissingAndUnknownTensors(@TempDir Path dir) throws Exception {
    ModelConfig config = ModelConfig.preset("micro", TestHierarchies.binary(2));
    Path file = dir.resolve("partial.safetensors");
    try (GeoModel model = GeoModel.create(config, Device.cpu(), 1);
        NDManager m = NDManager.newBaseManager("PyTorch")) {
      Map<String, long[]> shapes = timmShapes(config.encoder());
      shapes.remove("norm.weight");
      shapes.put("layers.0.blocks.0.attn.extra", new long[] {2});
      writeFile(file, shapes, m);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> SwinWeightImporter.importInto(model, file, true));
      assertTrue(
          e.getMessage()
              .endsWith(
                  "incomplete import of micro weights: parameters not filled"
                      + " [01encoder_06norm_gamma], tensors not used"
                      + " [layers.0.blocks.0.attn.extra]"),
          e.getMessage());
      ImportReport lenient = SwinWeightImporter.importInto(model, file, false);
      assertEquals(Arrays.asList("01encoder_06norm_gamma"), lenient.missing());
    }
  }
}
