package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {
  @TempDir Path dir;

  @Test
  void embedsLocalImagesAndNeverReferencesAnythingOutsideThePage() throws Exception {
    byte[] png = {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3};
    Files.createDirectories(dir.resolve("panels"));
    Files.write(dir.resolve("panels/a.png"), png);
    Files.write(dir.resolve("secret.png"), png);
    String md = "# Title <b>x</b>\n\nText with <script>alert(1)</script>.\n\n"
        + "| a | b |\n|---|---:|\n| 1 | 2 |\n\n"
        + "![panel a](panels/a.png)\n\n![remote](https://example.org/x.png)\n\n![up](../secret.png)\n\n"
        + "![gone](missing.png)\n";
    Path sub = Files.createDirectories(dir.resolve("report"));
    Files.createDirectories(sub.resolve("panels"));
    Files.write(sub.resolve("panels/a.png"), png);
    String html = HtmlReport.render(md, sub);
    assertTrue(html.contains("<img src=\"data:image/png;base64," + Base64.getEncoder().encodeToString(png) + "\""), html);
    assertEquals(1, html.split("data:image/png", -1).length - 1, "only the local image under the directory");
    assertFalse(html.contains("example.org") || html.contains("http"), html);
    assertFalse(html.contains("secret") && html.contains("src=\"../secret.png\""), html);
    assertFalse(html.contains("<script>"), "raw HTML is escaped");
    assertTrue(html.contains("&lt;script&gt;"));
    assertTrue(html.contains("<td align=\"right\">2</td>"), html);
    assertTrue(html.contains("title=\"missing image: missing.png\""), html);
  }

  @Test
  void linkedRenderingKeepsRelativeImagePaths() {
    String html = HtmlReport.renderLinked("# Index\n\n![p](panels/a.png)\n");
    assertTrue(html.contains("<img src=\"panels/a.png\""), html);
    assertTrue(html.contains("<title>Index</title>"));
  }

  @Test
  void writeBesideReadsTheMarkdownAndWritesReportHtmlInItsDirectory() throws Exception {
    Files.writeString(dir.resolve("report.md"), "# R\n\nplain\n");
    Path html = HtmlReport.writeBeside(dir.resolve("report.md"));
    assertEquals(dir.resolve("report.html").toAbsolutePath(), html);
    assertTrue(Files.readString(html).contains("<p>plain</p>"));
  }
}
