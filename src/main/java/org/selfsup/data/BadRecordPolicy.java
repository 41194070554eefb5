package org.selfsup.data;

/** What {@link TFRecordSource} does with a record it cannot turn into a row. */
public enum BadRecordPolicy {
  /** Fail the job with a {@link BadRecordException} naming file, record and reason (default). */
  FAIL,
  /**
   * Log one WARN line per bad record on the executor, count it in a {@link BadRecordCounter}
   * and go on (after a truncation or a corrupt length header: with the next file).
   */
  SKIP
}
