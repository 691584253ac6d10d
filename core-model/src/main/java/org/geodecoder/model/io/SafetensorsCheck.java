package org.geodecoder.model.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Checks a {@code .safetensors} file's size against its own header before any tensor is read, so
 * that a truncated or damaged file is named with what is wrong instead of failing deep in the
 * decoder ("EOFException: null"). Layout (huggingface/safetensors): an 8-byte little-endian
 * header length N, N bytes of JSON ({@code name → {dtype, shape, data_offsets: [begin, end]}},
 * plus an optional {@code __metadata__}), then the tensor bytes; the file ends at the largest end
 * offset. Written by hand: DJL's decoder does not validate sizes.
 */
public final class SafetensorsCheck {
  /** Larger headers are not written by any tool we know: treat as damage. */
  private static final long MAX_HEADER = 100L << 20;

  private SafetensorsCheck() {}

  /**
   * @param size the file's length in bytes
   * @param name the file, for messages
   * @throws IllegalArgumentException naming the file, the expected and the found size
   */
  public static void check(InputStream in, long size, String name) throws IOException {
    if (size < 8) {
      throw new IllegalArgumentException(name + " is truncated: " + size + " bytes, fewer than the 8-byte header length"
          + " of a safetensors file");
    }
    byte[] len = new byte[8];
    new DataInputStream(in).readFully(len);
    long headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
    if (headerLength <= 0 || headerLength > MAX_HEADER) {
      throw new IllegalArgumentException(name + " is not a safetensors file (header length " + headerLength + ")");
    }
    if (8 + headerLength > size) {
      throw new IllegalArgumentException(name + " is truncated: its header needs " + (8 + headerLength)
          + " bytes, the file has " + size);
    }
    byte[] header = new byte[(int) headerLength];
    new DataInputStream(in).readFully(header);
    long dataEnd = 0;
    try {
      JsonObject tensors = JsonParser.parseString(new String(header, StandardCharsets.UTF_8).trim()).getAsJsonObject();
      for (Map.Entry<String, JsonElement> t : tensors.entrySet()) {
        if (!t.getKey().equals("__metadata__")) {
          dataEnd = Math.max(dataEnd, t.getValue().getAsJsonObject().getAsJsonArray("data_offsets").get(1).getAsLong());
        }
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(name + " is damaged: its header is not valid safetensors JSON (" + e.getMessage() + ")");
    }
    long expected = 8 + headerLength + dataEnd;
    if (size != expected) {
      throw new IllegalArgumentException(name + (size < expected ? " is truncated" : " is damaged") + ": expected " + expected
          + " bytes (8 + " + headerLength + " header + " + dataEnd + " tensor data), found " + size);
    }
  }
}
