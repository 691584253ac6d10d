package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.JobFailedException;
import org.geodecoder.model.GeoModel;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.io.ModelCheckpoint;
import org.geodecoder.model.swin.SwinConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train --encoder-weights and the ablation options, end to end in Spark local mode. */
class TrainEncoderWeightsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path dir;
  private static SparkSession spark;
  private static TrainFixture data;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("TrainEncoderWeightsTest").config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4").getOrCreate();
    data = TrainFixture.build(spark, dir.resolve("data"), 120, 5);
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  /** timm's tensors (≥ 0.9 names, head included) of a Swin with the given widths, random values. */
  static Path timmFile(Path file, SwinConfig c, int embedDim) throws Exception {
    Map<String, long[]> s = new LinkedHashMap<>();
    s.put("patch_embed.proj.weight", new long[] {embedDim, 3, c.patchSize(), c.patchSize()});
    s.put("patch_embed.proj.bias", new long[] {embedDim});
    s.put("patch_embed.norm.weight", new long[] {embedDim});
    s.put("patch_embed.norm.bias", new long[] {embedDim});
    for (int i = 0; i < c.stages(); i++) {
      long dim = (long) embedDim << i;
      int w = c.stageWindow(i);
      if (i > 0) {
        s.put("layers." + i + ".downsample.norm.weight", new long[] {2 * dim});
        s.put("layers." + i + ".downsample.norm.bias", new long[] {2 * dim});
        s.put("layers." + i + ".downsample.reduction.weight", new long[] {dim, 2 * dim});
      }
      for (int j = 0; j < c.depth(i); j++) {
        String b = "layers." + i + ".blocks." + j + ".";
        for (String n : new String[] {"norm1", "norm2"}) {
          s.put(b + n + ".weight", new long[] {dim});
          s.put(b + n + ".bias", new long[] {dim});
        }
        s.put(b + "attn.relative_position_bias_table", new long[] {(2L * w - 1) * (2L * w - 1), c.heads(i)});
        s.put(b + "attn.qkv.weight", new long[] {3 * dim, dim});
        s.put(b + "attn.qkv.bias", new long[] {3 * dim});
        s.put(b + "attn.proj.weight", new long[] {dim, dim});
        s.put(b + "attn.proj.bias", new long[] {dim});
        s.put(b + "mlp.fc1.weight", new long[] {4 * dim, dim});
        s.put(b + "mlp.fc1.bias", new long[] {4 * dim});
        s.put(b + "mlp.fc2.weight", new long[] {dim, 4 * dim});
        s.put(b + "mlp.fc2.bias", new long[] {dim});
      }
    }
    long out = (long) embedDim << (c.stages() - 1);
    s.put("norm.weight", new long[] {out});
    s.put("norm.bias", new long[] {out});
    s.put("head.fc.weight", new long[] {1000, out});
    s.put("head.fc.bias", new long[] {1000});
    Random r = new Random(11);
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch"); OutputStream os = Files.newOutputStream(file)) {
      NDList list = new NDList();
      for (Map.Entry<String, long[]> e : s.entrySet()) {
        Shape shape = new Shape(e.getValue());
        float[] v = new float[Math.toIntExact(shape.size())];
        for (int i = 0; i < v.length; i++) {
          v[i] = (float) (0.02 * r.nextGaussian());
        }
        NDArray a = m.create(v, shape);
        a.setName(e.getKey());
        list.add(a);
      }
      list.encode(os, NDList.Encoding.SAFETENSORS);
    }
    return file;
  }

  private static float[] param(GeoModel model, String suffix) {
    for (int i = 0; i < model.parameterNames().size(); i++) {
      if (model.parameterNames().get(i).equals(suffix)) {
        return model.parameters().get(i).getArray().toFloatArray();
      }
    }
    throw new AssertionError("no parameter " + suffix);
  }

  private static float[] tensor(Path file, String name) throws Exception {
    try (NDManager m = NDManager.newBaseManager(Device.cpu(), "PyTorch"); var in = Files.newInputStream(file)) {
      for (NDArray a : NDList.decode(m, in)) {
        if (a.getName().equals(name)) {
          return a.toFloatArray();
        }
      }
    }
    throw new AssertionError("no tensor " + name);
  }

  @Test
  void pretrainedEncoderFreshDecoderAndAblationsEndUpInTheRun() throws Exception {
    Path weights = timmFile(dir.resolve("micro-timm.safetensors"), SwinConfig.preset("micro"), 32);
    Path run = dir.resolve("run");
    String[] ablation = {"hierarchies", "2", "scenes", "3", "decoder-layers", "1", "dependent-layers", "1", "heads", "2",
        "decoder-dim", "32", "drop-path", "0.05", "geo-loss-queries", "true-scene"};
    Map<String, String> o = data.options(run, "max-steps", "1", "encoder-weights", weights.toUri().toString());
    for (int i = 0; i < ablation.length; i += 2) {
      o.put(ablation[i], ablation[i + 1]);
    }
    TrainJob.run(spark, TrainOptions.parse(o));

    JsonNode cfg = JSON.readTree(run.resolve(RunDirectory.CONFIG).toFile());
    JsonNode enc = cfg.path("encoder_weights");
    String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(weights)));
    assertEquals(sha, enc.path("sha256").asText());
    assertEquals("timm", enc.path("naming").asText());
    assertEquals(weights.toUri().toString(), enc.path("uri").asText());

    ModelConfig config = ModelCheckpoint.readConfig(run.resolve("model"));
    assertEquals(2, config.hierarchies());
    assertEquals(3, config.scenes());
    assertEquals(1, config.decoder().layers());
    assertEquals(1, config.decoder().hierarchyLayers());
    assertEquals(2, config.decoder().heads());
    assertEquals(32, config.decoder().dim());
    assertEquals(0.05f, config.encoder().dropPathRate());
    assertEquals("true-scene", config.geoLossQueries().optionValue());

    // the starting model: the file's encoder, the decoder that --seed gives a fresh model
    try (GeoModel start = GeoModel.load(run.resolve(PretrainedEncoder.DIR), Device.cpu());
        GeoModel fresh = GeoModel.create(config, Device.cpu(), 42)) {
      assertArrayEquals(tensor(weights, "patch_embed.proj.weight"), param(start, "01encoder_01patchEmbedding_01projection_weight"));
      assertArrayEquals(tensor(weights, "norm.bias"), param(start, "01encoder_06norm_beta"));
      assertArrayEquals(param(fresh, "02decoder_queries"), param(start, "02decoder_queries"));
    }

    // a resumed run must repeat the ablation options
    Map<String, String> changed = new LinkedHashMap<>(o);
    changed.put("resume", "true");
    changed.put("heads", "4");
    JobFailedException e = assertThrows(JobFailedException.class, () -> TrainJob.run(spark, TrainOptions.parse(changed)));
    assertTrue(e.getMessage().startsWith("Cannot resume"), e.getMessage());
    assertTrue(e.getMessage().contains("heads=4"), e.getMessage());
  }

  @Test
  void weightsOfAnotherVariantAreRefusedNamingTheTensor() throws Exception {
    Path weights = timmFile(dir.resolve("narrow.safetensors"), SwinConfig.preset("micro"), 16);
    Map<String, String> o = data.options(dir.resolve("narrow-run"), "max-steps", "1", "encoder-weights", weights.toString());
    JobFailedException e = assertThrows(JobFailedException.class, () -> TrainJob.run(spark, TrainOptions.parse(o)));
    assertEquals("--encoder-weights " + weights + ": tensor patch_embed.proj.weight has shape (16, 3, 4, 4) but the micro"
        + " encoder's parameter 01encoder_01patchEmbedding_01projection_weight needs (32, 3, 4, 4) (weights of another Swin"
        + " variant?)", e.getMessage());
  }
}
