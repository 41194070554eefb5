package org.selfsup.data;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a command did with the records it read, frozen on the driver from a
 * {@link BadRecordCounter}: records read, used and skipped (by kind), and the shards cut short.
 * Read = used + skipped when every record read was either used or skipped; a record after the
 * point where a shard was cut short was never read and is in no count.
 *
 * <p>Immutable and serialisable; {@link #toMap()} / Jackson give its JSON form (reports, metrics).
 */
public final class BadRecordSummary implements Serializable {
  private static final long serialVersionUID = 1L;
  /** Messages of skipped records kept in the summary (the counter keeps more). */
  public static final int MAX_EXAMPLES = 10;

  @JsonProperty private final long recordsRead;
  @JsonProperty private final long recordsUsed;
  @JsonProperty private final Map<BadRecordKind, Long> skipped;
  @JsonProperty private final List<ShardCutShort> shardsCutShort;
  @JsonProperty private final List<String> examples;

  /**
   * @param recordsUsed -1 when the command does not count them
   * @param skipped     skipped records by kind (zero counts are dropped)
   */
  @JsonCreator
  public BadRecordSummary(@JsonProperty("recordsRead") long recordsRead,
      @JsonProperty("recordsUsed") long recordsUsed,
      @JsonProperty("skipped") Map<BadRecordKind, Long> skipped,
      @JsonProperty("shardsCutShort") List<ShardCutShort> shardsCutShort,
      @JsonProperty("examples") List<String> examples) {
    this.recordsRead = recordsRead;
    this.recordsUsed = recordsUsed;
    EnumMap<BadRecordKind, Long> s = new EnumMap<>(BadRecordKind.class);
    if (skipped != null) {
      skipped.forEach((k, v) -> {
        if (v != null && v > 0) {
          s.put(k, v);
        }
      });
    }
    this.skipped = Collections.unmodifiableMap(s);
    List<ShardCutShort> cut = new ArrayList<>(shardsCutShort == null ? List.of() : shardsCutShort);
    Collections.sort(cut);
    this.shardsCutShort = Collections.unmodifiableList(cut);
    List<String> ex = new ArrayList<>(examples == null ? List.of() : examples);
    this.examples = Collections.unmodifiableList(ex.size() > MAX_EXAMPLES ? ex.subList(0, MAX_EXAMPLES) : ex);
  }

  /** Records met by the reader: good ones and bad ones. */
  public long recordsRead() {
    return recordsRead;
  }

  /** Records that went into the command's output; -1 when not counted. */
  public long recordsUsed() {
    return recordsUsed;
  }

  /** Skipped records by kind (non-zero counts only, in {@link BadRecordKind} order). */
  public Map<BadRecordKind, Long> skipped() {
    return skipped;
  }

  public long skippedTotal() {
    long t = 0;
    for (long v : skipped.values()) {
      t += v;
    }
    return t;
  }

  public List<ShardCutShort> shardsCutShort() {
    return shardsCutShort;
  }

  /** Up to {@value #MAX_EXAMPLES} messages of skipped records, sorted. */
  public List<String> examples() {
    return examples;
  }

  /** True when read = used + skipped (or used is not counted). */
  public boolean addsUp() {
    return recordsUsed < 0 || recordsRead == recordsUsed + skippedTotal();
  }

  /**
   * The one line a command ends with, e.g. {@code "records: 1000 read, 998 used, 2 skipped
   * (DATA_CRC=1, TRUNCATED=1); 1 shard cut short: train-00001-of-00004 at record 240 (TRUNCATED,
   * 0 bytes unread)"}.
   */
  public String summaryLine() {
    StringBuilder sb = new StringBuilder("records: ").append(recordsRead).append(" read");
    if (recordsUsed >= 0) {
      sb.append(", ").append(recordsUsed).append(" used");
    }
    long t = skippedTotal();
    if (t == 0) {
      sb.append(", none skipped");
    } else {
      sb.append(", ").append(t).append(" skipped (");
      String sep = "";
      for (Map.Entry<BadRecordKind, Long> e : skipped.entrySet()) {
        sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
        sep = ", ";
      }
      sb.append(')');
    }
    if (!shardsCutShort.isEmpty()) {
      sb.append("; ").append(shardsCutShort.size())
          .append(shardsCutShort.size() == 1 ? " shard cut short: " : " shards cut short: ");
      int shown = Math.min(3, shardsCutShort.size());
      for (int i = 0; i < shown; i++) {
        sb.append(i > 0 ? ", " : "").append(shardsCutShort.get(i));
      }
      if (shardsCutShort.size() > shown) {
        sb.append(", ...");
      }
    }
    if (!examples.isEmpty()) {
      sb.append("; e.g. ").append(examples.get(0));
    }
    return sb.toString();
  }

  /** The JSON form as plain maps and lists (for metrics files). */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("recordsRead", recordsRead);
    m.put("recordsUsed", recordsUsed);
    Map<String, Long> s = new LinkedHashMap<>();
    skipped.forEach((k, v) -> s.put(k.name(), v));
    m.put("skipped", s);
    List<Map<String, Object>> cut = new ArrayList<>();
    for (ShardCutShort c : shardsCutShort) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("file", c.file());
      e.put("record", c.record());
      e.put("kind", c.kind().name());
      e.put("bytesUnread", c.bytesUnread());
      cut.add(e);
    }
    m.put("shardsCutShort", cut);
    m.put("examples", examples);
    return m;
  }

  @Override
  public String toString() {
    return summaryLine();
  }
}
