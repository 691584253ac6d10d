package org.geodecoder.eval.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.commonmark.Extension;
import org.commonmark.ext.gfm.tables.TablesExtension;
import org.commonmark.node.Heading;
import org.commonmark.node.Image;
import org.commonmark.node.Node;
import org.commonmark.node.Text;
import org.commonmark.parser.Parser;
import org.commonmark.renderer.html.HtmlRenderer;

/**
 * A report's Markdown as one HTML page that a browser shows as it is: every image the Markdown
 * references by a relative path is read and embedded as a {@code data:} URI, the style sheet is
 * inline, and there is no script, so the file can be mailed or opened offline and needs no
 * network access and no JavaScript. The reports keep one source of content (their Markdown);
 * this renders it with CommonMark (GitHub tables included).
 *
 * <p>{@link #renderLinked} renders the same page with the images left as relative links (for
 * an index page beside its images, where embedding would copy every file).
 */
public final class HtmlReport {
  public static final String REPORT_HTML = "report.html";

  private static final List<Extension> EXTENSIONS = List.of(TablesExtension.create());
  private static final Map<String, String> IMAGE_TYPES =
      Map.of("png", "image/png", "jpg", "image/jpeg", "jpeg", "image/jpeg", "gif", "image/gif", "svg", "image/svg+xml",
          "webp", "image/webp");

  /** Readable without a framework: body width for text, tables that scroll rather than squeeze. */
  private static final String STYLE = String.join("\n",
      "body{font:16px/1.5 system-ui,-apple-system,'Segoe UI','DejaVu Sans',Arial,sans-serif;color:#1b1b1b;",
      "  background:#fff;margin:0 auto;max-width:1280px;padding:24px 32px}",
      "h1{font-size:28px;margin:0 0 12px}h2{font-size:22px;margin:32px 0 8px;border-bottom:1px solid #ddd;",
      "  padding-bottom:4px}h3{font-size:18px;margin:24px 0 8px}",
      "table{border-collapse:collapse;margin:8px 0 16px;display:block;overflow-x:auto;max-width:100%}",
      "th,td{border:1px solid #c8c8c8;padding:4px 8px;white-space:nowrap}",
      "th{background:#eef2f6;font-weight:600;white-space:normal}tr:nth-child(even) td{background:#f8f9fa}",
      "td[align=right],th[align=right]{font-variant-numeric:tabular-nums}",
      "img{max-width:100%;height:auto;border:1px solid #e0e0e0;display:block;margin:8px 0 4px}",
      "code,pre{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:14px;background:#f4f4f4}",
      "pre{padding:8px 12px;overflow-x:auto}code{padding:1px 3px}",
      "em{color:#555}");

  private HtmlReport() {}

  /**
   * Renders {@code markdown} as a self-contained page.
   *
   * @param imageDirectory where relative image paths are resolved; images that are not found
   *     there are left as their path (the page then says so in the image's place)
   * @throws IOException when an image exists but cannot be read
   */
  public static String render(String markdown, Path imageDirectory) throws IOException {
    return render(markdown, imageDirectory, true);
  }

  /** Renders {@code markdown} as a page whose images stay relative links (not embedded). */
  public static String renderLinked(String markdown) {
    try {
      return render(markdown, null, false);
    } catch (IOException e) {
      throw new IllegalStateException("No file is read when images are linked", e);
    }
  }

  /**
   * Writes {@code report.html} beside a Markdown report, with its images embedded.
   *
   * @return the file written
   */
  public static Path writeBeside(Path markdownFile) throws IOException {
    Path dir = markdownFile.toAbsolutePath().getParent();
    Path html = dir.resolve(REPORT_HTML);
    Files.writeString(html, render(Files.readString(markdownFile, StandardCharsets.UTF_8), dir), StandardCharsets.UTF_8);
    return html;
  }

  private static String render(String markdown, Path imageDirectory, boolean embed) throws IOException {
    Node document = Parser.builder().extensions(EXTENSIONS).build().parse(markdown);
    String title = "Report";
    for (Node n = document.getFirstChild(); n != null; n = n.getNext()) {
      if (n instanceof Heading h && h.getLevel() == 1 && h.getFirstChild() instanceof Text t) {
        title = t.getLiteral();
        break;
      }
    }
    if (embed) {
      embedImages(document, imageDirectory);
    }
    String body = HtmlRenderer.builder().extensions(EXTENSIONS).escapeHtml(true).sanitizeUrls(true)
        .attributeProviderFactory(context -> (node, tag, attributes) -> {
          if (node instanceof Image image && image.getDestination().startsWith("data:")) {
            attributes.put("src", image.getDestination()); // the sanitizer would drop data: URIs
          }
          if (node instanceof Image) {
            attributes.put("loading", "eager");
          }
        })
        .build().render(document);
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        + "<title>" + escape(title) + "</title>\n<style>\n" + STYLE + "\n</style>\n</head>\n<body>\n" + body
        + "</body>\n</html>\n";
  }

  /** Replaces each relative image destination by a data: URI of the file's bytes. */
  private static void embedImages(Node document, Path directory) throws IOException {
    java.util.ArrayDeque<Node> todo = new java.util.ArrayDeque<>();
    todo.push(document);
    while (!todo.isEmpty()) {
      Node n = todo.pop();
      for (Node c = n.getFirstChild(); c != null; c = c.getNext()) {
        todo.push(c);
      }
      if (n instanceof Image image) {
        String src = image.getDestination();
        String type = IMAGE_TYPES.get(extension(src));
        Path file = src.contains(":") || src.startsWith("/") || type == null ? null : directory.resolve(src).normalize();
        if (file != null && file.startsWith(directory.normalize()) && Files.isRegularFile(file)) {
          image.setDestination("data:" + type + ";base64," + Base64.getEncoder().encodeToString(Files.readAllBytes(file)));
        } else {
          // Never a reference the browser would try to fetch: say what is missing instead.
          image.setDestination("");
          image.setTitle(src.contains(":") ? "not embedded: the page never fetches anything" : "missing image: " + src);
        }
      }
    }
  }

  private static String extension(String path) {
    int dot = path.lastIndexOf('.');
    return dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

  static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
