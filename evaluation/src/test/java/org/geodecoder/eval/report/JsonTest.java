package org.geodecoder.eval.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void writesNumbersStringsAndNesting() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("a", 1.5);
    m.put("nan", Double.NaN);
    m.put("whole", 25.0);
    m.put("s", "q\"uo\\te\n\u0001");
    m.put("arr", new double[] {0.25, Double.POSITIVE_INFINITY});
    m.put("longs", new long[] {1, 2});
    m.put("list", List.of(true, Arrays.asList((Object) null)));
    m.put("empty", Map.of());
    String expected = "{\n"
        + "  \"a\": 1.5,\n"
        + "  \"nan\": null,\n"
        + "  \"whole\": 25,\n"
        + "  \"s\": \"q\\\"uo\\\\te\\n\\u0001\",\n"
        + "  \"arr\": [0.25, null],\n"
        + "  \"longs\": [1, 2],\n"
        + "  \"list\": [\n    true,\n    [\n      null\n    ]\n  ],\n"
        + "  \"empty\": {}\n"
        + "}\n";
    assertEquals(expected, Json.write(m));
  }

  @Test
  void rejectsUnknownTypes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Json.write(new Object()));
    assertEquals("Cannot write a java.lang.Object as JSON", e.getMessage());
  }

  @Test
  void slugsAreFileNameSafe() {
    assertEquals("im2gps3k", ReportWriter.slug("Im2GPS3k"));
    assertEquals("yfcc-26k-val", ReportWriter.slug(" YFCC 26k / val "));
    assertEquals("dataset", ReportWriter.slug("///"));
  }
}
