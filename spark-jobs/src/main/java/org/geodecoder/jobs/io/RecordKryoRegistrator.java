package org.geodecoder.jobs.io;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.serializers.JavaSerializer;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Lets Spark's Kryo serializer carry Java records (our shuffled and collected values, e.g. the
 * training samples and the epoch reports). Spark's Kryo (4.0) serializes classes field by field
 * through Unsafe field offsets, which the JVM refuses for records ("can't get field offset on a
 * record class"), so every record goes through Java serialization instead: records here are
 * Serializable, and Java serialization builds them through their canonical constructor.
 */
public final class RecordKryoRegistrator implements KryoRegistrator {
  public static final String KRYO = "org.apache.spark.serializer.KryoSerializer";

  @Override
  public void registerClasses(Kryo kryo) {
    kryo.addDefaultSerializer(Record.class, JavaSerializer.class);
  }

  /** Adds this registrator to {@code spark.kryo.registrator} when the configuration uses Kryo. */
  public static void enableIn(SparkConf conf) {
    if (!KRYO.equals(conf.get("spark.serializer", ""))) {
      return;
    }
    String name = RecordKryoRegistrator.class.getName();
    String existing = conf.get("spark.kryo.registrator", "").trim();
    if (existing.isEmpty()) {
      conf.set("spark.kryo.registrator", name);
    } else if (!java.util.Arrays.asList(existing.split("\\s*,\\s*")).contains(name)) {
      conf.set("spark.kryo.registrator", existing + "," + name);
    }
  }
}
