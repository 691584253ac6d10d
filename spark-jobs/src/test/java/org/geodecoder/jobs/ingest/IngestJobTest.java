package org.geodecoder.jobs.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.cli.OptionException;
import org.geodecoder.jobs.images.ImageProbe;
import org.geodecoder.jobs.synth.SynthGenerator;
import org.geodecoder.jobs.synth.SynthJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestJobTest {
  private static final int N = 120;
  @TempDir static Path tmp;
  private static SparkSession spark;
  private static Path synth;

  @BeforeAll
  static void setUp() {
    spark = SparkSession.builder().master("local[2]").appName("IngestJobTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4").getOrCreate();
    synth = tmp.resolve("synth");
    SynthJob.run(spark, synth.toString(), true, new SynthGenerator(7, "photo", 64, 0.9f), 0, N, "both");
  }

  @AfterAll
  static void tearDown() {
    spark.stop();
  }

  private static IngestJob.Result ingest(Path out, String... kv) {
    Map<String, String> m = new HashMap<>();
    m.put("output", out.toString());
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return IngestJob.run(spark, IngestOptions.parse(m));
  }

  private static List<Row> shards(Path out) {
    return spark.read().parquet(out.resolve("shards").toString()).orderBy("id").collectAsList();
  }

  @Test
  void directoryAndTarInputsGiveTheSameShards() {
    IngestJob.Result dir = ingest(tmp.resolve("from-dir"), "manifest", synth.resolve("manifest.csv").toString(),
        "images", synth.resolve("images").toString());
    IngestJob.Result tar = ingest(tmp.resolve("from-tar"), "manifest", synth.resolve("manifest.csv").toString(),
        "images", synth.resolve("tars").toString());
    assertEquals(N, dir.imagesWritten());
    assertEquals(N, tar.imagesWritten());
    List<Row> a = shards(tmp.resolve("from-dir"));
    List<Row> b = shards(tmp.resolve("from-tar"));
    assertEquals(N, a.size());
    assertEquals(a, b, "same rows, image bytes included");
    Row first = a.get(0);
    assertEquals(64, (int) first.getAs("width"));
    assertEquals(64, (int) first.getAs("height"));
    assertTrue(((Integer) first.getAs("scene3")) >= 0, "synthetic manifests carry scene labels");
    assertEquals("jpeg", probeFormat(first.getAs("image")));
  }

  @Test
  void everyBrokenFileIsRejectedWithItsReason() throws Exception {
    Path images = tmp.resolve("broken/images");
    Files.createDirectories(images.resolve("b"));
    byte[] good = Files.readAllBytes(synth.resolve("images").resolve(firstId()));
    Files.write(images.resolve("b/good.jpg"), good);
    Files.write(images.resolve("b/truncated.jpg"), java.util.Arrays.copyOf(good, good.length / 2));
    Files.write(images.resolve("b/zero.jpg"), new byte[0]);
    Files.writeString(images.resolve("b/text.jpg"), "this is not a picture\n");
    byte[] badHeader = good.clone();
    for (int i = 3; i < 200 && i < badHeader.length - 2; i++) {
      badHeader[i] = (byte) 0xFF; // valid start and end markers, garbage header
    }
    Files.write(images.resolve("b/badheader.jpg"), badHeader);
    List<String> lines = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON"));
    for (String name : List.of("good", "truncated", "zero", "text", "missing", "badheader")) {
      lines.add("b/" + name + ".jpg,someone,48.85,2.35");
    }
    lines.add("b/good2.jpg,someone,123.0,2.35"); // bad latitude: rejected before any image is read
    Path manifest = Files.write(tmp.resolve("broken/manifest.csv"), lines);

    IngestJob.Result r = ingest(tmp.resolve("broken-out"), "manifest", manifest.toString(), "images", images.toString(),
        "max-reject-fraction", "0.9", "split", "none");
    assertEquals(Map.of("truncated_image", 1L, "zero_size", 1L, "not_an_image", 1L, "missing_file", 1L,
        "corrupt_header", 1L, "latitude_out_of_range", 1L), r.rejectsByReason());
    assertEquals(1, r.imagesWritten());
    List<Row> rejects = spark.read().parquet(tmp.resolve("broken-out/rejects").toString()).collectAsList();
    assertEquals(6, rejects.size());
    Map<String, String> reasonById = new HashMap<>();
    for (Row row : rejects) {
      reasonById.put(row.getAs("IMG_ID"), row.getAs("reason"));
      assertEquals("someone", row.getAs("AUTHOR"), "the input row is kept");
    }
    assertEquals("truncated_image", reasonById.get("b/truncated.jpg"));
    assertEquals("missing_file", reasonById.get("b/missing.jpg"));

    // Over the threshold: the job fails naming the manifest and the counts.
    var e = assertThrows(org.geodecoder.jobs.cli.JobFailedException.class, () -> ingest(tmp.resolve("broken-out2"),
        "manifest", manifest.toString(), "images", images.toString()));
    assertTrue(e.getMessage().contains("6 of 7 rows") && e.getMessage().contains("manifest.csv"), e.getMessage());
  }

  @Test
  void corruptTarMemberIsReportedAndLaterMembersAreMissing() throws Exception {
    Path tars = Files.createDirectories(tmp.resolve("badtar/tars"));
    byte[] good = Files.readAllBytes(synth.resolve("images").resolve(firstId()));
    Path tar = tars.resolve("part-0.tar");
    long cut;
    try (OutputStream raw = Files.newOutputStream(tar); TarArchiveOutputStream out = new TarArchiveOutputStream(raw)) {
      for (int i = 0; i < 5; i++) {
        TarArchiveEntry e = new TarArchiveEntry("./m/" + i + ".jpg");
        e.setSize(good.length);
        out.putArchiveEntry(e);
        out.write(good);
        out.closeArchiveEntry();
      }
    }
    // Members take 512 (header) + data rounded up to 512; cut inside the data of member 2.
    long member = 512 + ((good.length + 511) / 512) * 512;
    cut = 2 * member + 512 + good.length / 2;
    byte[] all = Files.readAllBytes(tar);
    Files.write(tar, java.util.Arrays.copyOf(all, (int) cut));
    List<String> lines = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON"));
    for (int i = 0; i < 5; i++) {
      lines.add("m/" + i + ".jpg,a" + i + ",10.0,10.0");
    }
    Path manifest = Files.write(tmp.resolve("badtar/manifest.csv"), lines);
    IngestJob.Result r = ingest(tmp.resolve("badtar-out"), "manifest", manifest.toString(), "max-reject-fraction", "0.9");
    assertEquals(2, r.imagesWritten(), "members 0 and 1 are intact");
    assertEquals(Map.of("corrupt_archive_member", 1L, "missing_file", 2L), r.rejectsByReason());
    var summary = new com.fasterxml.jackson.databind.ObjectMapper().readTree(tmp.resolve("badtar-out/summary.json").toFile());
    var error = summary.get("archive_errors").get(0);
    assertTrue(error.get("archive").asText().endsWith("badtar/tars/part-0.tar"), summary.toString());
    assertEquals("m/2.jpg", error.get("member").asText(), "the member where reading stopped");
  }

  /** Issue 19, item 8: a header claiming 60000x60000 pixels and a PNG named .jpg are rejected at ingest. */
  @Test
  void hugeHeadersAndMisnamedFormatsAreRejectedAtIngest() throws Exception {
    Path images = Files.createDirectories(tmp.resolve("declared/images"));
    byte[] jpeg = Files.readAllBytes(synth.resolve("images").resolve(firstId()));
    byte[] huge = jpeg.clone();
    for (int i = 2; i + 8 < huge.length; i++) { // SOF0/SOF2: FF C0|C2, length(2), precision(1), height(2), width(2)
      if ((huge[i] & 0xff) == 0xFF && ((huge[i + 1] & 0xff) == 0xC0 || (huge[i + 1] & 0xff) == 0xC2)) {
        huge[i + 5] = (byte) (60000 >> 8);
        huge[i + 6] = (byte) (60000 & 0xff);
        huge[i + 7] = (byte) (60000 >> 8);
        huge[i + 8] = (byte) (60000 & 0xff);
        break;
      }
    }
    Files.write(images.resolve("huge.jpg"), huge);
    java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB);
    javax.imageio.ImageIO.write(img, "png", images.resolve("png-named.jpg").toFile());
    Files.write(images.resolve("ok.jpg"), jpeg);
    Path manifest = Files.write(tmp.resolve("declared/manifest.csv"), List.of("IMG_ID,AUTHOR,LAT,LON",
        "huge.jpg,a,10.0,10.0", "png-named.jpg,b,10.0,10.0", "ok.jpg,c,10.0,10.0"));
    IngestJob.Result r = ingest(tmp.resolve("declared-out"), "manifest", manifest.toString(), "max-reject-fraction", "0.9");
    assertEquals(1, r.imagesWritten());
    assertEquals(Map.of("too_many_pixels", 1L, "format_mismatch", 1L), r.rejectsByReason());
  }

  @Test
  void columnMappingWithoutSceneLabelsAndResize() throws Exception {
    List<String> src = Files.readAllLines(synth.resolve("manifest.csv"));
    List<String> lines = new ArrayList<>(List.of("photo,file,who,y,x"));
    for (String line : src.subList(1, 41)) {
      String[] f = line.split(",");
      lines.add("p" + f[0].hashCode() + "," + f[0] + "," + f[1] + "," + f[2] + "," + f[3]);
    }
    Path manifest = Files.write(tmp.resolve("mapped.csv"), lines);
    OptionException unknown = assertThrows(OptionException.class, () -> ingest(tmp.resolve("mapped-bad"),
        "manifest", manifest.toString(), "images", synth.resolve("images").toString(), "id-col", "photo", "lat-col", "latitude"));
    assertTrue(unknown.getMessage().contains("--lat-col") && unknown.getMessage().contains("[photo, file, who, y, x]"),
        unknown.getMessage());

    IngestJob.Result r = ingest(tmp.resolve("mapped-out"), "manifest", manifest.toString(),
        "images", synth.resolve("images").toString(), "id-col", "photo", "path-col", "file", "author-col", "who",
        "lat-col", "y", "lon-col", "x", "max-side", "32");
    assertEquals(40, r.imagesWritten());
    for (Row row : shards(tmp.resolve("mapped-out"))) {
      assertEquals(-1, (int) row.getAs("scene3"), "no scene labels → -1");
      assertEquals(-1, (int) row.getAs("scene16"));
      assertEquals(32, (int) row.getAs("width"));
      assertEquals(32, (int) row.getAs("height"));
      assertTrue(((String) row.getAs("id")).startsWith("p"));
    }
  }

  @Test
  void splitIsAuthorDisjoint() {
    ingest(tmp.resolve("split-out"), "manifest", synth.resolve("manifest.csv").toString(), "split", "author:0.4");
    Set<String> train = new HashSet<>();
    Set<String> val = new HashSet<>();
    for (Row row : shards(tmp.resolve("split-out"))) {
      ("val".equals(row.getAs("split")) ? val : train).add(row.getAs("author"));
    }
    assertTrue(!train.isEmpty() && !val.isEmpty(), train + " / " + val);
    Set<String> both = new HashSet<>(train);
    both.retainAll(val);
    assertEquals(Set.of(), both, "no author on both sides");
    // The fraction is one of authors, through a stable hash.
    AuthorSplit s = AuthorSplit.parse("author:0.3");
    int inVal = 0;
    for (int i = 0; i < 20_000; i++) {
      inVal += AuthorSplit.VAL.equals(s.splitOf("author-" + i)) ? 1 : 0;
    }
    assertEquals(0.3, inVal / 20_000.0, 0.015);
  }

  private static String firstId() throws Exception {
    return Files.readAllLines(synth.resolve("manifest.csv")).get(1).split(",")[0];
  }

  private static String probeFormat(byte[] bytes) {
    try {
      return ImageProbe.probe(bytes).format();
    } catch (ImageProbe.RejectedImageException e) {
      return e.getMessage();
    }
  }
}
