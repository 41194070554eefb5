package org.selfsup.data;

import java.io.Serializable;

/**
 * Options of {@link TFRecordSink#write}: immutable; start from {@link #defaults()}
 * (label offset 1, no compression, no overwrite).
 */
public final class WriteOptions implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int labelOffset;
  private final boolean gzip;
  private final boolean overwrite;

  private WriteOptions(int labelOffset, boolean gzip, boolean overwrite) {
    this.labelOffset = labelOffset;
    this.gzip = gzip;
    this.overwrite = overwrite;
  }

  public static WriteOptions defaults() {
    return new WriteOptions(1, false, false);
  }

  /** Added to the label column when writing image/class/label (1: slim's 1-based labels). */
  public WriteOptions withLabelOffset(int offset) {
    return new WriteOptions(offset, gzip, overwrite);
  }

  /** GZIP-compress the shards (TF's compression_type="GZIP"); the names stay the same. */
  public WriteOptions withGzip(boolean g) {
    return new WriteOptions(labelOffset, g, overwrite);
  }

  /** Delete existing shards with the same prefix first, instead of refusing to write. */
  public WriteOptions withOverwrite(boolean o) {
    return new WriteOptions(labelOffset, gzip, o);
  }

  public int labelOffset() {
    return labelOffset;
  }

  public boolean gzip() {
    return gzip;
  }

  public boolean overwrite() {
    return overwrite;
  }

  @Override
  public String toString() {
    return "WriteOptions{labelOffset=" + labelOffset + ", gzip=" + gzip + ", overwrite=" + overwrite + "}";
  }
}
