package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.geodecoder.eval.EvaluationResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SceneNamesTest {
  @Test
  void bundledPlaces365NamesHaveEveryLevelInIndexOrder() {
    SceneNames n = SceneNames.places365();
    assertEquals(3, n.forLevel(3).orElseThrow().length);
    assertEquals(16, n.forLevel(16).orElseThrow().length);
    assertEquals(365, n.forLevel(365).orElseThrow().length);
    assertEquals("indoor", n.name(3, 0));
    assertEquals("outdoor, natural", n.name(3, 1));
    assertEquals("outdoor, man-made", n.name(3, 2));
    assertEquals("shopping and dining", n.name(16, 0));
    assertEquals("water, ice, snow", n.name(16, 6));
    assertEquals("commercial buildings, shops, markets, cities, and towns", n.name(16, 15));
    // categories_places365.txt: /a/airfield 0, /a/apartment_building/outdoor 8, /z/zen_garden 364
    assertEquals("airfield", n.name(365, 0));
    assertEquals("apartment_building/outdoor", n.name(365, 8));
    assertEquals("zen_garden", n.name(365, 364));
    assertEquals("scene 16", n.name(16, 16));
  }

  @Test
  void aUserFileNamesTheLevelOfItsLineCount() {
    SceneNames n = SceneNames.parse("town\r\ncountry\nroom\n\n", "names.txt");
    assertEquals(List.of("town", "country", "room"), List.of(n.forLevel(3).orElseThrow()));
    assertTrue(n.forLevel(16).isEmpty());
    SceneNames merged = SceneNames.places365().with(n);
    assertEquals("room", merged.name(3, 2));
    assertEquals("shopping and dining", merged.name(16, 0));
  }

  @Test
  void aFileOfAnotherSizeOrWithAnEmptyLineIsRefusedNamingIt() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> SceneNames.parse("a\nb\nc\nd\n", "my-scenes.txt"));
    assertEquals("my-scenes.txt has 4 scene names; a scene-names file has one name per line for 3, 16 or 365 scenes"
        + " (S3, S16, S365)", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> SceneNames.parse("a\n\nc\n", "gap.txt"));
    assertEquals("gap.txt line 2 is empty: every scene index needs a name", e.getMessage());
  }

  @Test
  void theReportsSceneTablesShowNamesWhenGiven(@TempDir Path dir) throws Exception {
    EvaluationResult result = new SyntheticEvaluation(2023).accumulator.result();
    ReportWriter.write(dir, result, List.of(), false, SceneNames.places365());
    String md = Files.readString(dir.resolve("report.md"));
    assertTrue(md.contains("| Im2GPS3k | 0 indoor | "), md);
    assertTrue(md.contains("| Im2GPS3k | 2 outdoor, man-made | "), md);
    assertTrue(md.contains("| Im2GPS3k | 15 commercial buildings, shops, markets, cities, and towns | "), md);
    String html = Files.readString(dir.resolve("report.html"));
    assertTrue(html.contains("<td>1 outdoor, natural</td>"), html);

    String numbers = MarkdownReport.render(result, List.of(), false, Map.of());
    assertTrue(numbers.contains("| Im2GPS3k | 0 | "), numbers);
    assertFalse(numbers.contains("indoor"), numbers);
  }
}
