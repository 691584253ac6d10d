package org.geodecoder.jobs.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.junit.jupiter.api.Test;
import scala.reflect.ClassTag$;

/** Records through Spark's Kryo serializer: they fail without the registrator and round-trip with it. */
class RecordKryoRegistratorTest {
  record Sample(long position, String id, byte[] image, int[] labels) implements java.io.Serializable {}

  private static SerializerInstance kryo(SparkConf conf) {
    return new KryoSerializer(conf).newInstance();
  }

  private static Object roundTrip(SerializerInstance s, Object value) {
    ByteBuffer bytes = s.serialize(value, ClassTag$.MODULE$.apply(Object.class));
    return s.deserialize(bytes, ClassTag$.MODULE$.apply(Object.class));
  }

  @Test
  void recordsRoundTripThroughKryoWithTheRegistrator() {
    Sample in = new Sample(7, "a/b.jpg", new byte[] {1, 2, 3}, new int[] {4, -1});
    SparkConf plain = new SparkConf(false).set("spark.serializer", RecordKryoRegistrator.KRYO);
    Exception e = assertThrows(Exception.class, () -> roundTrip(kryo(plain), in));
    assertEquals("can't get field offset on a record class: private final long " + Sample.class.getName() + ".position",
        rootCause(e).getMessage());

    SparkConf conf = new SparkConf(false).set("spark.serializer", RecordKryoRegistrator.KRYO);
    RecordKryoRegistrator.enableIn(conf);
    Sample out = (Sample) roundTrip(kryo(conf), in);
    assertEquals(in.position(), out.position());
    assertEquals(in.id(), out.id());
    assertArrayEquals(in.image(), out.image());
    assertArrayEquals(in.labels(), out.labels());
  }

  @Test
  void enableInAppendsOnceAndOnlyForKryo() {
    SparkConf java = new SparkConf(false);
    RecordKryoRegistrator.enableIn(java);
    assertEquals(false, java.contains("spark.kryo.registrator"));
    SparkConf conf = new SparkConf(false).set("spark.serializer", RecordKryoRegistrator.KRYO).set("spark.kryo.registrator", "com.x.Mine");
    RecordKryoRegistrator.enableIn(conf);
    RecordKryoRegistrator.enableIn(conf);
    assertEquals("com.x.Mine," + RecordKryoRegistrator.class.getName(), conf.get("spark.kryo.registrator"));
  }

  private static Throwable rootCause(Throwable t) {
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
