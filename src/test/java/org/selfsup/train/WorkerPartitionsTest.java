package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.selfsup.TestSpark;

/** A chunk spread one partition per worker, in record order, and its averaging rounds cut from those partitions. */
class WorkerPartitionsTest {
  private static final JavaSparkContext SC = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());

  @Test
  void recordsGoRoundRobinToOnePartitionPerWorkerInOrder() {
    // three shards: records 0..10 of the chunk
    JavaRDD<Long> chunk = SC.parallelize(LongStream.range(0, 11).boxed().collect(Collectors.toList()), 3);
    JavaRDD<Long> spread = WorkerPartitions.spread(chunk, 2);
    assertEquals(List.of(List.of(0L, 2L, 4L, 6L, 8L, 10L), List.of(1L, 3L, 5L, 7L, 9L)), spread.glom().collect());
    assertEquals(List.of(3, 3, 3, 2), WorkerPartitions.spread(chunk, 4).glom().collect().stream().map(List::size)
        .collect(Collectors.toList()));
    assertEquals(List.of(6, 5), spread.mapPartitions(WorkerPartitions::count).collect());
    // already one partition per worker: left as it is
    assertEquals(chunk, WorkerPartitions.spread(chunk, 3));
  }

  @Test
  void aRoundIsTheNextMinibatchesOfEveryPartition() {
    JavaRDD<Long> spread = WorkerPartitions.spread(SC.parallelize(LongStream.range(0, 11).boxed()
        .collect(Collectors.toList()), 1), 2);
    assertEquals(List.of(List.of(0L, 2L), List.of(1L, 3L)), WorkerPartitions.round(spread, 0, 2).glom().collect());
    assertEquals(List.of(List.of(4L, 6L), List.of(5L, 7L)), WorkerPartitions.round(spread, 2, 2).glom().collect());
    assertEquals(List.of(List.of(8L, 10L), List.of(9L)), WorkerPartitions.round(spread, 4, 2).glom().collect());
    assertEquals(List.of(List.of(), List.of()), WorkerPartitions.round(spread, 6, 2).glom().collect());
    // the rounds' sizes, as the trainer weighs their losses: 6 and 5 minibatches in rounds of 2
    assertEquals(2, WorkerPartitions.inRound(6, 4, 2));
    assertEquals(1, WorkerPartitions.inRound(5, 4, 2));
    assertEquals(0, WorkerPartitions.inRound(5, 6, 2));
  }
}
