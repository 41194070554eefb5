package org.selfsup.data;

import java.io.Serializable;
import java.util.Objects;

/**
 * Options of {@link TFRecordSource#read}: immutable; start from {@link #defaults()}
 * (label offset 1, fail on a bad record).
 */
public final class ReadOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int labelOffset;
  private final BadRecordPolicy onBadRecord;
  private final BadRecordCounter counter;

  private ReadOptions(int labelOffset, BadRecordPolicy onBadRecord, BadRecordCounter counter) {
    this.labelOffset = labelOffset;
    this.onBadRecord = Objects.requireNonNull(onBadRecord, "onBadRecord");
    this.counter = counter;
  }

  /** labelOffset 1 (slim's 1-based labels become 0-based), onBadRecord FAIL. */
  public static ReadOptions defaults() {
    return new ReadOptions(1, BadRecordPolicy.FAIL, null);
  }

  /** SKIP bad records, counting them in {@code counter}. */
  public static ReadOptions skipping(BadRecordCounter counter) {
    return defaults().withCounter(counter).withOnBadRecord(BadRecordPolicy.SKIP);
  }

  public ReadOptions withLabelOffset(int offset) {
    return new ReadOptions(offset, onBadRecord, counter);
  }

  public ReadOptions withOnBadRecord(BadRecordPolicy policy) {
    return new ReadOptions(labelOffset, policy, counter);
  }

  /** Where skipped records are counted; required for SKIP. */
  public ReadOptions withCounter(BadRecordCounter c) {
    return new ReadOptions(labelOffset, onBadRecord, c);
  }

  /** Subtracted from image/class/label. */
  public int labelOffset() {
    return labelOffset;
  }

  public BadRecordPolicy onBadRecord() {
    return onBadRecord;
  }

  /** Null unless set. */
  public BadRecordCounter counter() {
    return counter;
  }

  @Override
  public String toString() {
    return "ReadOptions{labelOffset=" + labelOffset + ", onBadRecord=" + onBadRecord + "}";
  }
}
