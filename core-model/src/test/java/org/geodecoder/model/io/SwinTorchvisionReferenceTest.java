package org.geodecoder.model.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.geodecoder.model.Autograd;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.TestHierarchies;
import org.geodecoder.model.decoder.DecoderConfig;
import org.geodecoder.model.swin.SwinConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our Swin encoder against an independent implementation: torchvision 0.14's {@code
 * SwinTransformer} (patch 4, embed 16, depths [2, 2], heads [1, 2], window 7, 56×56 input:
 * regular and shifted 7×7 windows on a 14×14 grid, a patch merging, a 7×7 stage) with random
 * weights. {@code src/test/python/make_swin_fixture.py} wrote its state dict, an input batch and
 * torchvision's output tokens (after the final LayerNorm); here the state dict is imported in
 * torchvision's names and, renamed by the script's own table, in timm's, and our encoder must
 * compute the same tokens.
 */
class SwinTorchvisionReferenceTest {
  private static final String DIR = "/swin-reference/";
  private static final double TOLERANCE = 1e-4;

  static ModelConfig referenceConfig() {
    SwinConfig encoder =
        SwinConfig.builder()
            .optName("tv_reference")
            .setImageSize(56)
            .setEmbedDim(16)
            .setDepths(2, 2)
            .setHeads(1, 2)
            .optWindow(7)
            .optDropPathRate(0f)
            .build();
    DecoderConfig decoder =
        DecoderConfig.builder().optScenes(3).optLayers(1).optHierarchyLayers(1).optHeads(4).build();
    return ModelConfig.builder()
        .setEncoder(encoder)
        .setDecoder(decoder)
        .setHierarchy(TestHierarchies.binary(2))
        .build();
  }

  private static Map<String, NDArray> read(NDManager m, String resource) throws Exception {
    Map<String, NDArray> out = new HashMap<>();
    try (InputStream is = SwinTorchvisionReferenceTest.class.getResourceAsStream(DIR + resource)) {
      for (NDArray a : NDList.decode(m, is)) {
        out.put(a.getName(), a);
      }
    }
    return out;
  }

  /** Imports {@code weights} into a fresh reference model and returns max |ours − torchvision|. */
  private static double maxDifference(Path weights, NDManager m) throws Exception {
    Map<String, NDArray> io = read(m, "io.safetensors");
    try (GeoModel model = GeoModel.create(referenceConfig(), Device.cpu(), 3)) {
      ImportReport report = SwinWeightImporter.importInto(model, weights, true);
      assertTrue(report.isComplete(), report.toString());
      try (NDManager batch = model.manager().newSubManager()) {
        NDArray input = batch.create(io.get("input").toFloatArray(), io.get("input").getShape());
        NDArray ours =
            Autograd.withGrad(
                false,
                () ->
                    model
                        .network()
                        .encoder()
                        .forward(model.parameterStore(), new NDList(input), false)
                        .head());
        NDArray expected = io.get("output");
        assertEquals(expected.getShape(), ours.getShape());
        float[] a = ours.toFloatArray();
        float[] e = expected.toFloatArray();
        double max = 0;
        for (int i = 0; i < a.length; i++) {
          max = Math.max(max, Math.abs(a[i] - e[i]));
        }
        return max;
      }
    }
  }

  private static Path resource(Path dir, String name) throws Exception {
    Path p = dir.resolve(name);
    try (InputStream is = SwinTorchvisionReferenceTest.class.getResourceAsStream(DIR + name)) {
      Files.copy(is, p);
    }
    return p;
  }

  @Test
  void torchvisionNamedWeightsReproduceTorchvisionsOutput(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      double max = maxDifference(resource(dir, "tv_swin.safetensors"), m);
      System.out.println("max |ours − torchvision| = " + max);
      assertTrue(max < TOLERANCE, "max |ours − torchvision| = " + max);
      // the comparison can fail: the transposed bias table of the shifted block alone breaks it
      Map<String, NDArray> tv = read(m, "tv_swin.safetensors");
      NDList changed = new NDList();
      for (Map.Entry<String, NDArray> e : tv.entrySet()) {
        NDArray a = e.getValue();
        if (e.getKey().equals("features.1.1.attn.relative_position_bias_table")) {
          a = a.reshape(13, 13).transpose().reshape(169, 1);
        }
        a.setName(e.getKey());
        changed.add(a);
      }
      Path wrong = dir.resolve("wrong.safetensors");
      try (OutputStream os = Files.newOutputStream(wrong)) {
        changed.encode(os, NDList.Encoding.SAFETENSORS);
      }
      double broken = maxDifference(wrong, m);
      assertTrue(broken > 100 * TOLERANCE, "transposed bias table: max difference " + broken);
    }
  }

  @Test
  void timmNamedCopyOfTheSameWeightsReproducesIt(@TempDir Path dir) throws Exception {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      Map<String, NDArray> tv = read(m, "tv_swin.safetensors");
      List<String> lines;
      try (InputStream is = getClass().getResourceAsStream(DIR + "timm_names.tsv")) {
        lines = new String(is.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
      }
      assertEquals(tv.size(), lines.size());
      NDList renamed = new NDList();
      for (String line : lines) {
        String[] cols = line.split("\t");
        NDArray a = tv.get(cols[0]);
        a.setName(cols[1]);
        renamed.add(a);
      }
      Path timm = dir.resolve("timm_swin.safetensors");
      try (OutputStream os = Files.newOutputStream(timm)) {
        renamed.encode(os, NDList.Encoding.SAFETENSORS);
      }
      try (GeoModel model = GeoModel.create(referenceConfig(), Device.cpu(), 3)) {
        ImportReport report = SwinWeightImporter.importInto(model, timm, true);
        assertEquals(
            "layers.1.blocks.0.attn.qkv.weight[k]",
            report.filled().get("01encoder_03stage1_02block0_02attention_02key_weight"));
        assertEquals(
            "ImageNet classifier, not part of the encoder", report.ignored().get("head.fc.weight"));
      }
      double max = maxDifference(timm, m);
      assertTrue(max < TOLERANCE, "max |ours − torchvision| = " + max);
    }
  }

  @Test
  void reportsTorchvisionsOwnNames(@TempDir Path dir) throws Exception {
    Path weights = resource(dir, "tv_swin.safetensors");
    try (GeoModel model = GeoModel.create(referenceConfig(), Device.cpu(), 3)) {
      ImportReport report = SwinWeightImporter.importInto(model, weights, true);
      assertEquals(
          "features.2.reduction.weight",
          report.filled().get("01encoder_03stage1_01downsample_02reduction_weight"));
      assertEquals(
          "features.1.1.mlp.3.bias", report.filled().get("01encoder_02stage0_02block1_04mlp_02fc2_bias"));
      assertEquals(
          "ImageNet classifier, not part of the encoder", report.ignored().get("head.weight"));
      assertEquals(
          "buffer, computed by WindowAttention",
          report.ignored().get("features.3.1.attn.relative_position_index"));
    }
  }

  @Test
  void refusesWeightsOfAnotherVariantNamingTheTensor(@TempDir Path dir) throws Exception {
    Path weights = resource(dir, "tv_swin.safetensors");
    // a wider encoder (embed 32): the first tensor that does not fit is the patch convolution
    ModelConfig wider =
        referenceConfig().toBuilder()
            .setEncoder(referenceConfig().encoder().toBuilder().optName("wider").setEmbedDim(32).build())
            .build();
    try (GeoModel model = GeoModel.create(wider, Device.cpu(), 3)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> SwinWeightImporter.importInto(model, weights, true));
      assertTrue(
          e.getMessage()
              .endsWith(
                  "tv_swin.safetensors: tensor features.0.0.weight has shape (16, 3, 4, 4) but the"
                      + " wider encoder's parameter 01encoder_01patchEmbedding_01projection_weight"
                      + " needs (32, 3, 4, 4) (weights of another Swin variant?)"),
          e.getMessage());
    }
    // a deeper encoder (3 blocks in stage 1): strict import names the parameters left empty
    ModelConfig deeper =
        referenceConfig().toBuilder()
            .setEncoder(referenceConfig().encoder().toBuilder().optName("deeper").setDepths(2, 3).build())
            .build();
    try (GeoModel model = GeoModel.create(deeper, Device.cpu(), 3)) {
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> SwinWeightImporter.importInto(model, weights, true));
      assertTrue(
          e.getMessage().contains("incomplete import of deeper weights: parameters not filled [01encoder_03stage1_04block2_01norm1_gamma"),
          e.getMessage());
    }
  }
}
