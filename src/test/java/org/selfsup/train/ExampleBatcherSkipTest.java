package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.TestSpark;
import org.selfsup.data.BadDatasets;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.BadRecordKind;
import org.selfsup.data.BadRecordSummary;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.selfsup.tasks.Tasks;

/** The pretrain path skips an oversized or undecodable image like the others, and counts what it used. */
class ExampleBatcherSkipTest {

  @Test
  void badImagesAreSkippedAndEveryRecordIsCountedOnce(@TempDir Path tmp) {
    SparkSession spark = TestSpark.get();
    BadDatasets.mixed(tmp);
    String train = tmp.resolve("train-00000-of-00002").toString();
    BadRecordCounter counter = BadRecordCounter.create(spark);
    ReadOptions options = ReadOptions.skipping(counter);
    // 22 rows: 20 good images, the bomb (record 20) and a truncated PNG (record 21)
    List<Row> rows = TFRecordSource.read(spark, List.of(train), options).collectAsList();
    assertEquals(22, rows.size());
    ExampleBatcher batcher = new ExampleBatcher(Tasks.forName("rotation"), "decode(1)", 8, 4, 0L, 1, options);
    Iterator<DataSet> batches = batcher.call(rows.iterator());
    List<Long> sizes = new ArrayList<>();
    while (batches.hasNext()) {
      sizes.add(batches.next().getFeatures().size(0));
    }
    // rotation: 4 examples per image; 20 images in batches of 8, 8, 4
    assertEquals(List.of(32L, 32L, 16L), sizes);
    BadRecordSummary s = counter.snapshot();
    assertEquals(22, s.recordsRead());
    assertEquals(20, s.recordsUsed());
    assertEquals(1L, s.skipped().get(BadRecordKind.IMAGE_TOO_LARGE));
    assertEquals(1L, s.skipped().get(BadRecordKind.UNDECODABLE_IMAGE));
    assertTrue(s.addsUp(), s.summaryLine());

    ExampleBatcher failing = new ExampleBatcher(Tasks.forName("rotation"), "decode(1)", 8, 4, 0L, 1,
        ReadOptions.defaults());
    BadRecordException e = assertThrows(BadRecordException.class, () -> {
      Iterator<DataSet> it = failing.call(rows.iterator());
      while (it.hasNext()) {
        it.next();
      }
    });
    assertEquals(20, e.record());
    assertEquals(BadRecordKind.IMAGE_TOO_LARGE, e.kind());
  }
}
