package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.selfsup.TestSpark;
import org.selfsup.runtime.RunLog;
import org.selfsup.runtime.UserError;

/** How the command line reports what went wrong: exit 2 for the user's mistakes, 1 for the program's. */
class ErrorReportTest {
  private static final class Report {
    int code;
    String err;
  }

  private static Report report(Throwable t) {
    StringWriter text = new StringWriter();
    Report r = new Report();
    r.code = Main.report(t, new PrintWriter(text, true));
    r.err = text.toString();
    return r;
  }

  @Test
  void aUserErrorThrownOnAnExecutorIsOneLineOnTheDriver() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    Exception thrown = null;
    try {
      jsc.parallelize(java.util.List.of(1, 2, 3), 3).map(i -> {
        if (i == 2) {
          throw new UserError("--preprocess 'decode|central_crop(99)' cannot apply to record 7 in shard-2");
        }
        return i;
      }).collect();
    } catch (Exception e) {
      thrown = e;
    }
    assertTrue(thrown instanceof org.apache.spark.SparkException, String.valueOf(thrown));
    Report r = report(thrown);
    assertEquals(2, r.code, r.err);
    assertTrue(r.err.startsWith("error: --preprocess 'decode|central_crop(99)' cannot apply to record 7 in shard-2"), r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
  }

  @Test
  void aUserErrorKeptOnlyAsTextInSparksMessageIsFound() {
    // what a cluster's driver may get: the executor's trace flattened into the message, no cause
    RuntimeException flattened = new RuntimeException("Job aborted due to stage failure: Task 1 in stage 3.0 failed 4 "
        + "times, most recent failure: Lost task 1.3 in stage 3.0 (TID 17) (10.0.0.5 executor 2): "
        + "org.selfsup.runtime.UserError: --embed_dim must be >= 2, got 1\n\tat org.selfsup.tasks.ExemplarTask.<init>"
        + "(ExemplarTask.java:37)\n\tat org.apache.spark.rdd.RDD.iterator(RDD.scala:329)\n");
    assertEquals("--embed_dim must be >= 2, got 1", UserError.findIn(flattened).getMessage());
    assertEquals("--embed_dim must be >= 2, got 1", Main.userMistake(flattened));
    // not a UserError: an internal failure, also when it is an IllegalArgumentException
    assertNull(Main.userMistake(new RuntimeException("Lost task 1.3: java.lang.IllegalArgumentException: n < 0\n\tat x")));
    assertNull(Main.userMistake(new RuntimeException("Lost task: org.selfsup.preprocess.ImageDecodeException: bad\n")));
    assertNull(Main.userMistake(new IllegalArgumentException("numShards must be in 1..99999, got 0")));
  }

  @Test
  void anInternalFailureIsOneLineNamingTheLogWhichHoldsTheTrace() throws Exception {
    Path log = RunLog.file();
    Report r = report(new IllegalStateException("checkpoint index out of step (internal marker 4711)",
        new NullPointerException("inner")));
    assertEquals(1, r.code, r.err);
    assertEquals(1, r.err.strip().lines().count(), r.err);
    assertTrue(r.err.startsWith("error: internal failure: java.lang.IllegalStateException: checkpoint index out of step"
        + " (internal marker 4711); stack trace in the log (log: " + log + ")"), r.err);
    assertFalse(r.err.contains("\tat "), r.err);
    String logged = Files.readString(log, StandardCharsets.UTF_8);
    int at = logged.lastIndexOf("internal marker 4711");
    assertTrue(at >= 0, "the log has no trace of the failure");
    assertTrue(logged.indexOf("\tat org.selfsup.cli.ErrorReportTest.anInternalFailure", at) > at, "no stack frames in the log");
    assertTrue(logged.indexOf("Caused by: java.lang.NullPointerException: inner", at) > at, "no cause in the log");
  }
}
