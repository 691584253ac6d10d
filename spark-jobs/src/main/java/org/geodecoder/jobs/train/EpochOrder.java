package org.geodecoder.jobs.train;

import org.apache.spark.Partitioner;

/**
 * The data order of one epoch, a pure function of (seed, epoch) and the training set, never of
 * the number of replicas: the training samples are sorted by {@code xxhash64(seed, epoch, id)}
 * (ties by id) and numbered; position p belongs to step {@code p / B} and to slot {@code p % B}
 * of that step's global batch. Replica r of N takes slots {@code [r·B/N, (r+1)·B/N)}, so the N
 * replicas together see exactly the batches one replica would see with batch B. The last
 * incomplete batch is dropped (like PyTorch's {@code drop_last}). Validation samples get
 * positions from {@link #VALIDATION_BASE} on and are dealt round-robin.
 */
public final class EpochOrder {
  /** Positions at or above this are validation samples (after every training sample). */
  public static final long VALIDATION_BASE = 1L << 62;

  private EpochOrder() {}

  /** The replica that trains (or validates) the sample at {@code position}. */
  public static int replicaOf(long position, int batchSize, int replicas) {
    if (position >= VALIDATION_BASE) {
      return (int) ((position - VALIDATION_BASE) % replicas);
    }
    return (int) (position % batchSize) / (batchSize / replicas);
  }

  /** Step within the epoch of a training position. */
  public static long stepOf(long position, int batchSize) {
    return position / batchSize;
  }

  /** Seed of a sample's augmentation: depends on (seed, epoch, position), not on the replica. */
  public static long augmentationSeed(long seed, int epoch, long position) {
    long h = seed * 0x9E3779B97F4A7C15L + epoch;
    h = (h ^ (h >>> 31)) * 0xBF58476D1CE4E5B9L + position;
    return h ^ (h >>> 29);
  }

  /** Routes each position to its replica's partition (partition r = replica r). */
  public static final class ReplicaPartitioner extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int batchSize;
    private final int replicas;

    public ReplicaPartitioner(int batchSize, int replicas) {
      if (replicas < 1 || batchSize % replicas != 0) {
        throw new IllegalArgumentException("Batch " + batchSize + " is not divisible by " + replicas + " replicas");
      }
      this.batchSize = batchSize;
      this.replicas = replicas;
    }

    @Override
    public int numPartitions() {
      return replicas;
    }

    @Override
    public int getPartition(Object key) {
      return replicaOf((Long) key, batchSize, replicas);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ReplicaPartitioner p && p.batchSize == batchSize && p.replicas == replicas;
    }

    @Override
    public int hashCode() {
      return 31 * batchSize + replicas;
    }
  }
}
