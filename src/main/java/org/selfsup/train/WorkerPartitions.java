package org.selfsup.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import scala.Tuple2;

/**
 * A chunk laid out for parameter averaging: its rows spread over the training workers, one
 * partition per worker (record i of the chunk to partition i mod workers, each partition in record
 * order, the same partitions in every run), and its averaging rounds cut from those partitions.
 *
 * <p>Why: left to itself, DL4J cuts a chunk into averaging rounds with a random split per
 * partition ({@code SparkUtils.balancedRandomSplit}) and shuffles every round into the workers'
 * partitions: two Spark stages per round, and rounds in which one worker has a minibatch more than
 * the other, which then waits (on the standalone cluster, 0.48 s of a 2.8 s round on average). A
 * round here is the next {@code --averaging_frequency} minibatches of every partition: equal work
 * for every worker, one stage, no shuffle ({@code Repartition.NumPartitionsWorkersDiffers}); and
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

  /** A partition's size, as a one-element iterator (for mapPartitions). */
  static <T> Iterator<Integer> count(Iterator<T> partition) {
    int n = 0;
    while (partition.hasNext()) {
      partition.next();
      n++;
    }
    return java.util.Collections.singletonList(n).iterator();
  }

  /** Minibatches {@code from} .. {@code from + count - 1} of every partition (fewer where a partition ends). */
  static <T> JavaRDD<T> round(JavaRDD<T> partitioned, int from, int count) {
    return partitioned.mapPartitions(new Slice<>(from, count), true);
  }

  /** How many minibatches each round takes from each partition that holds {@code minibatches}, for a round of {@code from}. */
  static int inRound(int minibatches, int from, int count) {
    return Math.max(0, Math.min(count, minibatches - from));
  }

  static final class Slice<T> implements FlatMapFunction<Iterator<T>, T> {
    private static final long serialVersionUID = 1L;
    private final int from;
    private final int count;

    Slice(int from, int count) {
      this.from = from;
      this.count = count;
    }

    @Override
    public Iterator<T> call(Iterator<T> it) {
      List<T> out = new ArrayList<>(count);
      for (int i = 0; i < from + count && it.hasNext(); i++) {
        T next = it.next();
        if (i >= from) {
          out.add(next);
        }
      }
      return out.iterator();
    }
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
