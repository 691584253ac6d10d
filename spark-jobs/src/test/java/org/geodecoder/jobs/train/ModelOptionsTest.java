package org.geodecoder.jobs.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.geodecoder.jobs.GeoDecoderCli;
import org.geodecoder.jobs.cli.Job;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.cli.OptionSpec;
import org.geodecoder.model.ModelConfig;
import org.geodecoder.model.ClassHierarchy;
import org.geodecoder.model.Precision;
import org.geodecoder.model.io.ModelConfigJson;
import org.geodecoder.model.loss.GeoLossQueries;
import org.junit.jupiter.api.Test;

/** train's model options (no Spark): parsing, their effect on the config, and conf/paper.properties. */
class ModelOptionsTest {
  /** Two hierarchies: 2 classes, then 4 (parent c / 2). */
  static ClassHierarchy two() {
    return ClassHierarchy.fromArrays(new int[] {2, 4}, new int[][] {null, {0, 0, 1, 1}},
        new double[][] {{-45, 45}, {-60, -30, 30, 60}}, new double[][] {{0, 0}, {0, 0, 0, 0}});
  }

  private static Map<String, String> options(String... keyValues) {
    Map<String, String> o = new LinkedHashMap<>();
    o.put("shards", "s");
    o.put("labels", "l");
    o.put("cells", "c");
    for (int i = 0; i < keyValues.length; i += 2) {
      o.put(keyValues[i], keyValues[i + 1]);
    }
    return o;
  }

  @Test
  void ablationOptionsOverrideThePreset() {
    TrainOptions o = TrainOptions.parse(options("preset", "paper", "scenes", "3", "dependent-layers", "1",
        "decoder-layers", "4", "decoder-dim", "256", "heads", "4", "drop-path", "0.1", "geo-loss-queries", "selected"));
    ModelConfig c = o.model().apply(ModelConfig.preset(o.preset(), two()), "test");
    assertEquals(3, c.decoder().scenes());
    assertEquals(1, c.decoder().hierarchyLayers());
    assertEquals(4, c.decoder().layers());
    assertEquals(256, c.decoder().dim());
    assertEquals(4, c.decoder().heads());
    assertEquals(0.1f, c.encoder().dropPathRate());
    assertEquals(GeoLossQueries.SELECTED, c.geoLossQueries());
    assertEquals("swin_base", c.encoder().name());
    // empty values keep the preset's
    TrainOptions plain = TrainOptions.parse(options("preset", "paper"));
    assertEquals(ModelConfig.preset("swin_base", two()),
        plain.model().apply(ModelConfig.preset("paper", two()), "test"));
    // they are trajectory options: a resumed run must repeat them
    assertEquals("3", o.trajectory().get("scenes"));
    assertEquals("selected", o.trajectory().get("geo-loss-queries"));
    assertTrue(plain.trajectory().containsKey("encoder-weights"));
  }

  @Test
  void badModelOptionsNameTheOption() {
    OptionException e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("scenes", "5")));
    assertEquals("Cannot set --scenes (spark.geodecoder.train.scenes) to '5': must be one of [3, 16, 365]", e.getMessage());
    e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("geo-loss-queries", "best")));
    assertTrue(e.getMessage().startsWith("Cannot set --geo-loss-queries"), e.getMessage());
    e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("preset", "paper", "dependent-layers", "9")));
    assertEquals("Invalid model options for --preset paper: hierarchyLayers must be in [0, layers=8], got 9", e.getMessage());
    e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("encoder-weights", "w.safetensors", "init", "m")));
    assertTrue(e.getMessage().startsWith("Cannot set --encoder-weights (spark.geodecoder.train.encoder-weights) to"
        + " 'w.safetensors': cannot be combined with --init m"), e.getMessage());
    e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("preset", "swin_huge")));
    assertTrue(e.getMessage().contains("[micro, swin_tiny, swin_small, swin_base, paper]"), e.getMessage());
  }

  @Test
  void initModelsKeepTheirArchitecture() {
    ModelConfig init = ModelConfig.preset("micro", two());
    TrainOptions o = TrainOptions.parse(options("init", "m", "heads", "2", "geo-loss-queries", "true-scene"));
    OptionException e = assertThrows(OptionException.class, () -> o.model().checkInit(init, "m"));
    assertEquals("Cannot set --heads (spark.geodecoder.train.heads) to '2': the --init model m was built with 4"
        + " (its model.json); drop the option or start without --init", e.getMessage());
    TrainOptions same = TrainOptions.parse(options("init", "m", "heads", "4", "geo-loss-queries", "true-scene"));
    ModelConfig c = same.model().checkInit(init, "m");
    assertEquals(GeoLossQueries.TRUE_SCENE, c.geoLossQueries());
    assertEquals(init.decoder(), c.decoder());
  }

  @Test
  void firstHierarchiesOfTheCells() {
    TrainOptions o = TrainOptions.parse(options("hierarchies", "1"));
    assertEquals(1, o.model().hierarchy(two(), "c").hierarchies());
    TrainOptions three = TrainOptions.parse(options("hierarchies", "3"));
    OptionException e = assertThrows(OptionException.class, () -> three.model().hierarchy(two(), "c"));
    assertEquals("Cannot set --hierarchies (spark.geodecoder.train.hierarchies) to '3': --cells c has only 2 hierarchies",
        e.getMessage());
  }

  /** --precision: fp32 by default, bf16 reaches the config (so model.json and the tasks), and it is a trajectory option. */
  @Test
  void precisionIsRecordedInTheConfigAndTheTrajectory() {
    TrainOptions plain = TrainOptions.parse(options());
    assertEquals(Precision.FP32, plain.model().apply(ModelConfig.preset("micro", two()), "test").precision());
    assertEquals("fp32", plain.trajectory().get("precision"));
    TrainOptions o = TrainOptions.parse(options("precision", "bf16"));
    ModelConfig c = o.model().apply(ModelConfig.preset("micro", two()), "test");
    assertEquals(Precision.BF16, c.precision());
    assertEquals(c, ModelConfigJson.fromJson(ModelConfigJson.toJson(c)));
    assertTrue(ModelConfigJson.toJson(c).contains("\"precision\": \"bf16\""), ModelConfigJson.toJson(c));
    // a resumed run must repeat it (RunDirectory compares the recorded trajectory)
    assertEquals("bf16", o.trajectory().get("precision"));
    // fine-tuning may change it: the weights are fp32 either way
    ModelConfig init = ModelConfig.preset("micro", two());
    assertEquals(Precision.BF16, TrainOptions.parse(options("init", "m", "precision", "bf16")).model()
        .checkInit(init, "m").precision());
    OptionException e = assertThrows(OptionException.class, () -> TrainOptions.parse(options("precision", "fp16")));
    assertEquals("Cannot set --precision (spark.geodecoder.train.precision) to 'fp16': must be one of [fp32, bf16]",
        e.getMessage());
  }

  /** Every key of conf/paper.properties is an option of its job, and train accepts the train values. */
  @Test
  void paperPropertiesUseOnlyAcceptedOptions() throws Exception {
    Properties p = new Properties();
    Path file = Path.of(System.getProperty("geodecoder.root", "..")).resolve("conf/paper.properties");
    try (Reader r = Files.newBufferedReader(file)) {
      p.load(r);
    }
    Map<String, Set<String>> accepted = new HashMap<>();
    for (Job j : GeoDecoderCli.JOBS) {
      accepted.put(j.name(), j.options().stream().map(OptionSpec::name).collect(Collectors.toSet()));
    }
    Set<String> jobs = new TreeSet<>();
    Map<String, String> train = new LinkedHashMap<>(options());
    for (String key : p.stringPropertyNames()) {
      String[] parts = key.split("\\.", 4);
      assertEquals(4, parts.length, key);
      assertEquals("spark.geodecoder", parts[0] + "." + parts[1], key);
      assertTrue(accepted.containsKey(parts[2]), key + ": no job " + parts[2]);
      assertTrue(accepted.get(parts[2]).contains(parts[3]), key + ": job " + parts[2] + " has no option " + parts[3]);
      assertFalse(p.getProperty(key).isBlank(), key + " has no value");
      jobs.add(parts[2]);
      if (parts[2].equals("train")) {
        train.put(parts[3], p.getProperty(key));
      }
    }
    assertEquals(Set.of("partition", "train", "score", "evaluate"), jobs);
    // the commented keys (values the user supplies or opts into) are accepted options too
    long commented = 0;
    for (String line : Files.readAllLines(file)) {
      java.util.regex.Matcher m = java.util.regex.Pattern.compile("^#(spark\\.geodecoder\\.([a-z-]+)\\.([a-z0-9-]+))=.*").matcher(line);
      if (m.matches()) {
        commented++;
        assertTrue(accepted.get(m.group(2)).contains(m.group(3)), line);
      }
    }
    assertEquals(3, commented, "ingest.split, partition.fit-split, train.encoder-weights");
    TrainOptions o = TrainOptions.parse(train);
    assertEquals("paper", o.preset());
    assertEquals(512, o.batchSize());
    assertEquals(40, o.epochs());
    assertEquals(GeoLossQueries.ALL, o.model().geoLossQueries());
    // the paper preset as the file spells it out is the paper preset itself
    assertEquals(ModelConfig.preset("paper", two()),
        o.model().apply(ModelConfig.preset("paper", two()), "test"));
  }
}
