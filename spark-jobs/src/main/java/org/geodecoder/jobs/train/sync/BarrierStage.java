package org.geodecoder.jobs.train.sync;

import java.io.Serializable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.collection.Iterator;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Spark's barrier execution mode from Java: the Java RDD API has no {@code barrier()}, so this
 * bridges a Java {@link FlatMapFunction} to {@code RDD.barrier().mapPartitions}. All tasks of
 * the returned RDD's stage start together (gang scheduling) or not at all, and a failed task
 * makes Spark retry the whole stage.
 */
public final class BarrierStage {
  private BarrierStage() {}

  public static <T, S> JavaRDD<S> mapPartitions(JavaRDD<T> rdd, FlatMapFunction<java.util.Iterator<T>, S> f, Class<S> type) {
    ClassTag<S> tag = ClassTag$.MODULE$.apply(type);
    return JavaRDD.fromRDD(rdd.rdd().barrier().mapPartitions(new Bridge<>(f), false, tag), tag);
  }

  private static final class Bridge<T, S> extends AbstractFunction1<Iterator<T>, Iterator<S>> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final FlatMapFunction<java.util.Iterator<T>, S> f;

    Bridge(FlatMapFunction<java.util.Iterator<T>, S> f) {
      this.f = f;
    }

    @Override
    public Iterator<S> apply(Iterator<T> in) {
      try {
        return CollectionConverters.asScala(f.call(CollectionConverters.asJava(in)));
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
