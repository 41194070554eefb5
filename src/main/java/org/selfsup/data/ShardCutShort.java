package org.selfsup.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.Locale;

/**
 * A shard whose reading stopped early: after a truncation, a corrupt length header or a corrupt
 * gzip stream the reader cannot find the next record, so the records after {@link #record()}
 * (if any) were never read and are not in any count.
 */
public final class ShardCutShort implements Serializable, Comparable<ShardCutShort> {
  private static final long serialVersionUID = 1L;

  @JsonProperty private final String file;
  @JsonProperty private final long record;
  @JsonProperty private final BadRecordKind kind;
  @JsonProperty private final long bytesUnread;

  @JsonCreator
  public ShardCutShort(@JsonProperty("file") String file, @JsonProperty("record") long record,
      @JsonProperty("kind") BadRecordKind kind, @JsonProperty("bytesUnread") long bytesUnread) {
    this.file = file;
    this.record = record;
    this.kind = kind;
    this.bytesUnread = bytesUnread;
  }

  /** The shard. */
  public String file() {
    return file;
  }

  /** 0-based index of the record where reading stopped (itself counted as skipped). */
  public long record() {
    return record;
  }

  public BadRecordKind kind() {
    return kind;
  }

  /** Bytes of the file after the point where reading stopped; -1 when unknown (gzip). */
  public long bytesUnread() {
    return bytesUnread;
  }

  /** E.g. "train-00001-of-00004 at record 240 (TRUNCATED, 0 bytes unread)". */
  @Override
  public String toString() {
    String name = file == null ? "?" : file.substring(file.lastIndexOf('/') + 1);
    return String.format(Locale.ROOT, "%s at record %d (%s%s)", name, record, kind,
        bytesUnread >= 0 ? ", " + bytesUnread + " bytes unread" : "");
  }

  @Override
  public int compareTo(ShardCutShort o) {
    int c = String.valueOf(file).compareTo(String.valueOf(o.file));
    return c != 0 ? c : Long.compare(record, o.record);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ShardCutShort)) {
      return false;
    }
    ShardCutShort s = (ShardCutShort) o;
    return record == s.record && bytesUnread == s.bytesUnread && kind == s.kind
        && java.util.Objects.equals(file, s.file);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(file, record, kind, bytesUnread);
  }
}
