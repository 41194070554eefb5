package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.selfsup.TestSpark;

/** A chunk spread one partition per worker, in record order. */
class WorkerPartitionsTest {
  @Test
  void recordsGoRoundRobinToOnePartitionPerWorkerInOrder() {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    // three shards: records 0..10 of the chunk
    JavaRDD<Long> chunk = sc.parallelize(LongStream.range(0, 11).boxed().collect(Collectors.toList()), 3);
    assertEquals(List.of(List.of(0L, 2L, 4L, 6L, 8L, 10L), List.of(1L, 3L, 5L, 7L, 9L)),
        WorkerPartitions.spread(chunk, 2).glom().collect());
    assertEquals(List.of(3, 3, 3, 2), WorkerPartitions.spread(chunk, 4).glom().collect().stream().map(List::size)
        .collect(Collectors.toList()));
    // already one partition per worker: left as it is
    assertEquals(chunk, WorkerPartitions.spread(chunk, 3));
  }
}
