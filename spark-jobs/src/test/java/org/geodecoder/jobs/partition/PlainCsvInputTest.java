package org.geodecoder.jobs.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.geodecoder.jobs.io.InputTables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plain-CSV fast path gives exactly the Spark CSV path's rows, or leaves the input to it. */
class PlainCsvInputTest {
  @TempDir Path tmp;

  private static PlainCsvLine parser() {
    byte[] header = "IMG_ID,AUTHOR,LAT,LON".getBytes(StandardCharsets.US_ASCII);
    return new PlainCsvLine(header, 4, 0, 2, 3);
  }

  private static int parse(PlainCsvLine p, String line) {
    byte[] b = line.getBytes(StandardCharsets.UTF_8);
    return p.parse(b, b.length);
  }

  @Test
  void numbersAreJavasDoublesAndOnlyPlainValidLinesAreDecided() {
    PlainCsvLine p = parser();
    Random r = new Random(7);
    for (int i = 0; i < 200_000; i++) {
      double lat = (r.nextDouble() * 180 - 90) * (i % 3 == 0 ? 1 : 1e-3 * r.nextInt(1000));
      double lon = r.nextDouble() * 360 - 180;
      String latText = i % 5 == 0 ? String.format(java.util.Locale.ROOT, "%.6f", lat) : Double.toString(lat);
      String lonText = i % 7 == 0 ? String.format(java.util.Locale.ROOT, "%.3e", lon) : Double.toString(lon);
      assertEquals(PlainCsvLine.VALID, parse(p, "a" + i + ".jpg,x," + latText + "," + lonText));
      assertEquals(Double.parseDouble(latText), p.lat, latText);
      assertEquals(Double.parseDouble(lonText), p.lon, lonText);
    }
    assertEquals(PlainCsvLine.VALID, parse(p, "  id 1 ,, +45. , -.5e+2 "));
    assertEquals(45.0, p.lat);
    assertEquals(-50.0, p.lon);
    assertEquals(2, p.idStart);
    assertEquals(4, p.idLength);
    assertEquals(PlainCsvLine.HEADER, parse(p, "IMG_ID,AUTHOR,LAT,LON"));
    for (String undecided : List.of(
        "a,b,1.0", "a,b,1.0,2.0,3.0", "", "a,b,NaN,1", "a,b,1d,1", "a,b,0x1p3,1", "a,b,1e,1", "a,b,.,1", "a,b,+,1",
        "a,b,1.0,", "a,b, ,1", " ,b,1,1", "a,b,90.5,1", "a,b,1,-180.01", "a,b,1e400,1", "\"a\",b,1,1", "a\\,b,1,1",
        "ü,b,1,1", "a\t,b,1,1", "a,b,1,1\r")) {
      assertEquals(PlainCsvLine.EXCEPTIONAL, parse(p, undecided), undecided);
    }
    assertEquals(PlainCsvLine.VALID, parse(p, "a,b,-90,180"));
  }

  private static Map<String, List<Long>> rowsById(List<LocationBlock> blocks) {
    Map<String, List<Long>> rows = new java.util.HashMap<>();
    for (LocationBlock b : blocks) {
      for (int i = 0; i < b.size(); i++) {
        rows.put(b.id(i), List.of(b.leaf(i), b.latE7(i), b.lonE7(i), b.idHashes()[i]));
      }
    }
    return rows;
  }

  @Test
  void fastBlocksAreTheSparkCsvPathsBlocksOrNullForInputsItDoesNotRead() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("in"));
    Random r = new Random(3);
    for (int f = 0; f < 2; f++) {
      List<String> lines = new ArrayList<>(List.of("IMG_ID,AUTHOR,LAT,LON"));
      for (int i = 0; i < 3000; i++) {
        double lat = r.nextDouble() * 180 - 90;
        double lon = r.nextDouble() * 360 - 180;
        String latText = switch (i % 4) {
          case 0 -> Double.toString(lat);
          case 1 -> " " + String.format(java.util.Locale.ROOT, "%.5f", lat) + "  ";
          case 2 -> String.format(java.util.Locale.ROOT, "%.4e", lat);
          default -> String.valueOf(Math.round(lat));
        };
        lines.add((i % 9 == 0 ? " " : "") + "f" + f + "/" + i + ".jpg,author " + i + "," + latText + "," + lon);
      }
      Files.write(dir.resolve("part-" + f + ".csv"), lines);
    }
    SparkSession spark = SparkSession.builder().master("local[2]").appName("PlainCsvInputTest")
        .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.files.maxPartitionBytes", "40000").getOrCreate();
    try {
      Dataset<Row> raw = InputTables.read(spark, dir.toString(), "csv", "--input");
      PlainCsvInput.Read fast = PlainCsvInput.blocks(spark, raw, "IMG_ID", "LAT", "LON");
      assertNotNull(fast);
      assertEquals(2, fast.files());
      List<LocationBlock> fastBlocks = fast.blocks().collect();
      List<LocationBlock> sparkBlocks = PartitionInput.sparkBlocks(raw, "IMG_ID", "LAT", "LON").collect();
      // The fast path splits the files into equal shares per slot: compare the rows by id.
      Map<String, List<Long>> fastRows = rowsById(fastBlocks);
      Map<String, List<Long>> sparkRows = rowsById(sparkBlocks);
      assertEquals(sparkRows, fastRows, "id -> S2 leaf, lat and lon in 1e-7 degrees, Spark's xxhash64 of the id");
      long rows = 0;
      long headers = 0;
      for (LocationBlock a : fastBlocks) {
        assertEquals(0, a.rowRejects());
        rows += a.size();
        headers += a.headerLines();
      }
      assertEquals(6000, rows);
      assertEquals(2, headers, "one header line per file");
      assertEquals(6000, fastRows.size());
      assertNotNull(fastRows.get("f1/9.jpg"), "ids are trimmed as staging trims them (written as \" f1/9.jpg\")");

      // A file with a quoted field: the fast path counts the line it leaves to Spark's reader.
      Path quoted = tmp.resolve("quoted.csv");
      Files.writeString(quoted, "IMG_ID,LAT,LON\na.jpg,1.0,2.0\n\"b,c.jpg\",3.0,4.0\n\nd.jpg,NaN,1\n");
      PlainCsvInput.Read q = PlainCsvInput.blocks(spark, InputTables.read(spark, quoted.toString(), "csv", "--input"), "IMG_ID", "LAT", "LON");
      long[] counts = PartitionInput.counts(q.blocks());
      assertEquals(1, counts[0], "valid rows");
      assertEquals(3, counts[2], "the quoted, the empty and the NaN line");
      // Inputs it does not read at all: a quoted header, a compressed file.
      Path quotedHeader = tmp.resolve("qh.csv");
      Files.writeString(quotedHeader, "\"IMG_ID\",LAT,LON\na.jpg,1.0,2.0\n");
      assertNull(PlainCsvInput.blocks(spark, InputTables.read(spark, quotedHeader.toString(), "csv", "--input"), "IMG_ID", "LAT", "LON"));
      Path gz = tmp.resolve("g.csv.gz");
      try (var out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz))) {
        out.write("IMG_ID,LAT,LON\na.jpg,1.0,2.0\n".getBytes(StandardCharsets.US_ASCII));
      }
      assertNull(PlainCsvInput.blocks(spark, InputTables.read(spark, gz.toString(), "csv", "--input"), "IMG_ID", "LAT", "LON"));

      // Only repeated ids, no reject: the fast blocks go through the duplicate resolution.
      Path dup = tmp.resolve("dup.csv");
      Files.writeString(dup, "IMG_ID,LAT,LON\na.jpg,1.0,2.0\nb.jpg,3.0,4.0\na.jpg,1.0,2.0\nc.jpg,5.0,6.0\nc.jpg,5.0,6.5\n");
      PartitionInput.Validated v = PartitionInput.read(spark, InputTables.read(spark, dup.toString(), "csv", "--input"),
          "IMG_ID", "LAT", "LON", null, dup.toString());
      try {
        assertEquals(Map.of("duplicate_id", 1L, "duplicate_id_conflicting_location", 2L), v.rejects());
        assertEquals(2, v.valid());
        List<String> ids = new ArrayList<>();
        for (LocationBlock b : v.blocks().collect()) {
          for (int i = 0; i < b.size(); i++) {
            ids.add(b.id(i));
          }
        }
        ids.sort(null);
        assertEquals(List.of("a.jpg", "b.jpg"), ids);
      } finally {
        v.unpersist();
      }
    } finally {
      spark.stop();
    }
  }
}
