package org.selfsup.data;

import org.apache.spark.SparkException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

class BadRecordExceptionTest {

  @Test
  void foundInCauseChain() {
    BadRecordException bad = BadRecordException.missingKey("file:/d/x", 5, "image/encoded");
    Exception wrapped = new SparkException("Job aborted", new RuntimeException("outer", bad));
    assertSame(bad, BadRecordException.findIn(wrapped));
    assertNull(BadRecordException.findIn(new SparkException("something else")));
    assertNull(BadRecordException.findIn(null));
  }

  @Test
  void rebuiltFromSparkMessageWhenCauseIsLost() {
    String msg = "Job aborted due to stage failure: Task 1 in stage 3.0 failed 4 times, most recent failure:"
        + " Lost task 1.3 in stage 3.0 (TID 12) (10.0.0.5 executor 2): org.selfsup.data.BadRecordException:"
        + " truncated record 17 in gs://b/imagenet/train-00000-of-01024 (file ends after 123 of 456 bytes)\n"
        + "\tat org.selfsup.data.TFRecordInput.next(TFRecordInput.java:100)\n";
    BadRecordException e = BadRecordException.findIn(new SparkException(msg));
    assertEquals("truncated record 17 in gs://b/imagenet/train-00000-of-01024 (file ends after 123 of 456 bytes)",
        e.getMessage());
    assertEquals(17, e.record());
    assertEquals("gs://b/imagenet/train-00000-of-01024", e.file());
    assertEquals(BadRecordKind.TRUNCATED, e.kind());
  }

  @Test
  void everyMessageParsesBack() {
    BadRecordException[] all = {
        BadRecordException.truncated("f1", 1, 3, 12, true, null),
        BadRecordException.lengthCrc("f2", 2, 1, 2),
        BadRecordException.dataCrc("f3", 3, 1, 2),
        BadRecordException.notAnExample("f4", 4, new RuntimeException("bad tag")),
        BadRecordException.missingKey("f5", 5, "image/class/label"),
        BadRecordException.wrongType("f6", 6, "image/class/label", "bytes_list", "int64_list"),
        BadRecordException.corruptStream("f7", 7, new java.util.zip.ZipException("bad")),
    };
    for (BadRecordException b : all) {
      BadRecordException p = BadRecordException.parse("x: " + BadRecordException.class.getName() + ": "
          + b.getMessage() + "\n\tat ...");
      assertEquals(b.getMessage(), p.getMessage());
      assertEquals(b.file(), p.file(), b.getMessage());
      assertEquals(b.record(), p.record(), b.getMessage());
      assertEquals(b.kind(), p.kind(), b.getMessage());
      assertEquals(b.key(), p.key(), b.getMessage());
    }
  }
}
