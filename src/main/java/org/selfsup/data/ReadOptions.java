package org.selfsup.data;

import java.io.Serializable;
import java.util.Objects;
import org.selfsup.preprocess.ImageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How records are read and what happens to a bad one, from {@link TFRecordSource} to the
 * executors that decode the images: immutable; start from {@link #defaults()} (label offset 1,
 * fail on a bad record, images up to {@link ImageCodec#DEFAULT_MAX_PIXELS}, every record).
 */
public final class ReadOptions implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(ReadOptions.class);

  private final int labelOffset;
  private final BadRecordPolicy onBadRecord;
  private final BadRecordCounter counter;
  private final long maxImagePixels;
  private final long recordsPerFile;
  private final boolean rereading;

  private ReadOptions(int labelOffset, BadRecordPolicy onBadRecord, BadRecordCounter counter, long maxImagePixels,
      long recordsPerFile, boolean rereading) {
    this.labelOffset = labelOffset;
    this.onBadRecord = Objects.requireNonNull(onBadRecord, "onBadRecord");
    this.counter = counter;
    this.maxImagePixels = maxImagePixels;
    this.recordsPerFile = recordsPerFile;
    this.rereading = rereading;
  }

  /** labelOffset 1 (slim's 1-based labels become 0-based), onBadRecord FAIL, the default image size limit. */
  public static ReadOptions defaults() {
    return new ReadOptions(1, BadRecordPolicy.FAIL, null, ImageCodec.DEFAULT_MAX_PIXELS, -1, false);
  }

  /** SKIP bad records, counting them in {@code counter}. */
  public static ReadOptions skipping(BadRecordCounter counter) {
    return defaults().withCounter(counter).withOnBadRecord(BadRecordPolicy.SKIP);
  }

  public ReadOptions withLabelOffset(int offset) {
    return new ReadOptions(offset, onBadRecord, counter, maxImagePixels, recordsPerFile, rereading);
  }

  public ReadOptions withOnBadRecord(BadRecordPolicy policy) {
    return new ReadOptions(labelOffset, policy, counter, maxImagePixels, recordsPerFile, rereading);
  }

  /** Where records are counted; required for SKIP. */
  public ReadOptions withCounter(BadRecordCounter c) {
    return new ReadOptions(labelOffset, onBadRecord, c, maxImagePixels, recordsPerFile, rereading);
  }

  /**
   * The largest width x height decoded (--max_image_pixels): a bigger image is a bad record of kind
   * {@link BadRecordKind#IMAGE_TOO_LARGE}, found from its header before any pixel is decoded.
   *
   * @throws org.selfsup.runtime.UserError when not positive
   */
  public ReadOptions withMaxImagePixels(long pixels) {
    checkMaxImagePixels(pixels);
    return new ReadOptions(labelOffset, onBadRecord, counter, pixels, recordsPerFile, rereading);
  }

  /** The flag's check, for validating a command line before anything runs. */
  public static void checkMaxImagePixels(long pixels) {
    org.selfsup.runtime.UserError.require(pixels > 0, "--max_image_pixels must be positive, got " + pixels);
  }

  /** Only the first {@code n} records (good or bad) of each file are read; n &gt; 0. */
  public ReadOptions withRecordsPerFile(long n) {
    if (n <= 0) {
      throw new IllegalArgumentException("records per file must be positive, got " + n);
    }
    return new ReadOptions(labelOffset, onBadRecord, counter, maxImagePixels, n, rereading);
  }

  /**
   * A second pass over records that an earlier pass with the same counter already read: the
   * reader skips or fails on bad records as before but neither logs nor counts them (nor the
   * records read) again. What the consumer finds (an undecodable image) is still counted.
   */
  public ReadOptions rereading() {
    return new ReadOptions(labelOffset, onBadRecord, counter, maxImagePixels, recordsPerFile, true);
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

  public long maxImagePixels() {
    return maxImagePixels;
  }

  /** Records read from each file; -1 for all. */
  public long recordsPerFile() {
    return recordsPerFile;
  }

  /** True for a second pass (see {@link #rereading()}). */
  public boolean isRereading() {
    return rereading;
  }

  /**
   * Executor side, for the consumers of rows (decoding, batching): a bad record found after the
   * reader. Under FAIL it is thrown; under SKIP it is logged once and counted.
   */
  public void skipOrThrow(BadRecordException e) {
    if (onBadRecord == BadRecordPolicy.FAIL || counter == null) {
      throw e;
    }
    LOG.warn("skipping bad record: {}", e.getMessage());
    counter.add(e);
  }

  /** Executor side: {@code n} more records went into the output (no-op without a counter). */
  public void used(long n) {
    if (counter != null) {
      counter.used(n);
    }
  }

  @Override
  public String toString() {
    return "ReadOptions{labelOffset=" + labelOffset + ", onBadRecord=" + onBadRecord + ", maxImagePixels="
        + maxImagePixels + (recordsPerFile > 0 ? ", recordsPerFile=" + recordsPerFile : "")
        + (rereading ? ", rereading" : "") + "}";
  }
}
