package org.selfsup.train;

import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

/**
 * A chunk's rows spread over the training workers: one partition per worker, record i of the chunk
 * to partition i mod workers, each partition in record order (the same partitions in every run).
 *
 * <p>Why: DL4J's parameter averaging splits a chunk into averaging rounds partition by partition
 * ({@code SparkUtils.balancedRandomSplit}); when the chunk already has one equal partition per
 * worker, every round has too and DL4J need not shuffle each round into the workers' partitions
 * ({@code Repartition.NumPartitionsWorkersDiffers}): one Spark stage per round instead of two, and
 * the chunk's minibatches are built on all workers instead of on the one that read the shard.
 */
final class WorkerPartitions {
  private WorkerPartitions() {}

  static <T> JavaRDD<T> spread(JavaRDD<T> rows, int workers) {
    if (rows.getNumPartitions() == workers) {
      return rows;
    }
    return rows.zipWithIndex()
        .mapToPair(t -> new Tuple2<>(t._2(), t._1()))
        .repartitionAndSortWithinPartitions(new Modulo(workers))
        .values();
  }

  /** Record index mod the number of partitions. */
  static final class Modulo extends Partitioner {
    private static final long serialVersionUID = 1L;
    private final int partitions;

    Modulo(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public int numPartitions() {
      return partitions;
    }

    @Override
    public int getPartition(Object key) {
      return (int) Math.floorMod((Long) key, (long) partitions);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Modulo && ((Modulo) o).partitions == partitions;
    }

    @Override
    public int hashCode() {
      return partitions;
    }
  }
}
