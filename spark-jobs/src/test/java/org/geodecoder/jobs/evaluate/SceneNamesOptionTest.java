package org.geodecoder.jobs.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.geodecoder.eval.report.SceneNames;
import org.geodecoder.jobs.cli.OptionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneNamesOptionTest {
  private final Configuration conf = new Configuration();

  @Test
  void noneAndEmptyGiveNumbersAndPlaces365GivesTheBundledNames() {
    assertTrue(SceneNamesOption.load("none", conf, "--scene-names").isEmpty());
    assertTrue(SceneNamesOption.load("", conf, "--scene-names").isEmpty());
    SceneNames p = SceneNamesOption.load("places365", conf, "--scene-names");
    assertEquals("outdoor, man-made", p.name(3, 2));
    assertEquals("forest, field, jungle", p.name(16, 8));
  }

  @Test
  void aUserFileReplacesItsLevelAndAWrongSizedOneIsAUsageErrorNamingIt(@TempDir Path dir) throws Exception {
    Path three = Files.writeString(dir.resolve("s3.txt"), "room\ncountry\ntown\n");
    SceneNames n = SceneNamesOption.load("places365," + three, conf, "--scene-names");
    assertEquals("town", n.name(3, 2));
    assertEquals("shopping and dining", n.name(16, 0));

    Path four = Files.writeString(dir.resolve("bad.txt"), "a\nb\nc\nd\n");
    OptionException e = assertThrows(OptionException.class,
        () -> SceneNamesOption.load(four.toString(), conf, "--scene-names"));
    assertEquals("--scene-names " + four + " has 4 scene names; a scene-names file has one name per line for 3, 16 or"
        + " 365 scenes (S3, S16, S365)", e.getMessage());

    Path missing = dir.resolve("nope.txt");
    e = assertThrows(OptionException.class, () -> SceneNamesOption.load(missing.toString(), conf, "--scene-names"));
    assertEquals("--scene-names " + missing + " does not exist (give places365, none or a names file)", e.getMessage());
  }
}
