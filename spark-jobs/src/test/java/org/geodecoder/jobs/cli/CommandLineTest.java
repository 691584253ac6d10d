package org.geodecoder.jobs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandLineTest {
  @TempDir Path tmp;

  @Test
  void parsesJobMasterConfPropertiesFileAndOptions() throws Exception {
    Path props = Files.writeString(tmp.resolve("p.properties"),
        "spark.geodecoder.partition.tmin=40\nspark.executor.memory=2g\n");
    CommandLine cl = CommandLine.parse(new String[] {
        "partition", "--master", "local[2]", "--properties-file", props.toString(),
        "--conf", "spark.executor.memory=3g", "--tmax=500", "--input", "a.csv"});
    assertEquals("partition", cl.job());
    assertEquals("local[2]", cl.master());
    assertEquals("40", cl.conf().get("spark.geodecoder.partition.tmin"));
    assertEquals("3g", cl.conf().get("spark.executor.memory"), "--conf wins over the file");
    assertEquals(Map.of("tmax", "500", "input", "a.csv"), cl.options());
  }

  @Test
  void reportsMistakesClearly() {
    assertTrue(assertThrows(OptionException.class, () -> CommandLine.parse(new String[] {"partition", "--input"}))
        .getMessage().contains("--input needs a value"));
    assertTrue(assertThrows(OptionException.class, () -> CommandLine.parse(new String[] {"partition", "--conf", "novalue"}))
        .getMessage().contains("key=value"));
    assertTrue(assertThrows(OptionException.class, () -> CommandLine.parse(new String[] {"partition", "--tmin", "1", "--tmin", "2"}))
        .getMessage().contains("given twice"));
    assertTrue(assertThrows(OptionException.class, () -> CommandLine.parse(new String[] {"partition", "stray"}))
        .getMessage().contains("Unexpected argument 'stray'"));
  }
}
