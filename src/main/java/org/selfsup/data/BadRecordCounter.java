package org.selfsup.data;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Spark accumulators counting what happens to the records of one command: records read (by
 * {@link TFRecordSource}), records used (by the consumer that turns rows into output), records
 * skipped under {@link BadRecordPolicy#SKIP} (one {@link LongAccumulator} per
 * {@link BadRecordKind}), the shards cut short, and up to {@value #MAX_SAMPLES} messages per task.
 *
 * <p>Create on the driver, pass in {@link ReadOptions#withCounter(BadRecordCounter)}, read
 * {@link #snapshot()} after the actions. Like all accumulators updated in a transformation, the
 * counts add up over every evaluation of a dataset: read each record once per counter (cache the
 * dataset, or read a second pass with {@link ReadOptions#rereading()}, which counts nothing at the
 * reader).
 */
public final class BadRecordCounter implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final int MAX_SAMPLES = 100;

  private final EnumMap<BadRecordKind, LongAccumulator> counts = new EnumMap<>(BadRecordKind.class);
  private final LongAccumulator read;
  private final LongAccumulator used;
  private final CollectionAccumulator<String> samples;
  private final CollectionAccumulator<ShardCutShort> cutShort;

  private BadRecordCounter(SparkContext sc, String name) {
    for (BadRecordKind k : BadRecordKind.values()) {
      counts.put(k, sc.longAccumulator(name + "." + k.name().toLowerCase()));
    }
    read = sc.longAccumulator(name + ".read");
    used = sc.longAccumulator(name + ".used");
    samples = sc.collectionAccumulator(name + ".samples");
    cutShort = sc.collectionAccumulator(name + ".cutShort");
  }

  /** Registers the accumulators with the session's SparkContext (named "badRecords.*"). */
  public static BadRecordCounter create(SparkSession spark) {
    return new BadRecordCounter(spark.sparkContext(), "badRecords");
  }

  /** As {@link #create(SparkSession)}, with accumulator names starting with {@code name}. */
  public static BadRecordCounter create(SparkContext sc, String name) {
    return new BadRecordCounter(sc, name);
  }

  /** Executor side: the reader met one more record (good or bad). */
  public void read() {
    read.add(1L);
  }

  /** Executor (or driver) side: {@code n} more records went into the command's output. */
  public void used(long n) {
    used.add(n);
  }

  /** Executor side: count one skipped record (keeps its message while this task has kept fewer than the cap). */
  public void add(BadRecordException e) {
    BadRecordKind kind = e.kind() == null ? BadRecordKind.NOT_AN_EXAMPLE : e.kind();
    counts.get(kind).add(1L);
    if (samples.value().size() < MAX_SAMPLES) {
      samples.add(e.getMessage());
    }
  }

  /** Executor side: reading {@code e.file()} stopped at {@code e.record()}; {@code bytesUnread} -1 if unknown. */
  public void cutShort(BadRecordException e, long bytesUnread) {
    cutShort.add(new ShardCutShort(e.file(), e.record(), e.kind(), bytesUnread));
  }

  /** Driver side: all skipped records counted so far. */
  public long total() {
    long t = 0;
    for (LongAccumulator a : counts.values()) {
      t += a.value();
    }
    return t;
  }

  /** Driver side: skipped records of one kind. */
  public long count(BadRecordKind kind) {
    return counts.get(kind).value();
  }

  /** Driver side: records read so far. */
  public long recordsRead() {
    return read.value();
  }

  /** Driver side: records used so far. */
  public long recordsUsed() {
    return used.value();
  }

  /** Driver side: the non-zero counts by kind. */
  public Map<BadRecordKind, Long> byKind() {
    Map<BadRecordKind, Long> m = new EnumMap<>(BadRecordKind.class);
    counts.forEach((k, a) -> {
      if (a.value() > 0) {
        m.put(k, a.value());
      }
    });
    return m;
  }

  /** Driver side: up to {@value #MAX_SAMPLES} messages, sorted. */
  public List<String> samples() {
    List<String> all = new ArrayList<>(samples.value());
    Collections.sort(all);
    return all.size() > MAX_SAMPLES ? new ArrayList<>(all.subList(0, MAX_SAMPLES)) : all;
  }

  /** Driver side: the shards cut short, sorted by file. */
  public List<ShardCutShort> shardsCutShort() {
    List<ShardCutShort> all = new ArrayList<>(cutShort.value());
    Collections.sort(all);
    return all;
  }

  /**
   * Driver side: the counts now. Records used appear only when a consumer counted them (a reader
   * alone does not know which rows its consumer uses); otherwise {@code recordsUsed} is -1.
   */
  public BadRecordSummary snapshot() {
    long u = used.count() > 0 ? used.value() : -1;
    return new BadRecordSummary(recordsRead(), u, byKind(), shardsCutShort(), samples());
  }

  /** Driver side: {@link BadRecordSummary#summaryLine()} of {@link #snapshot()}. */
  public String summary() {
    return snapshot().summaryLine();
  }

  /** Driver side: back to zero. */
  public void reset() {
    counts.values().forEach(LongAccumulator::reset);
    read.reset();
    used.reset();
    samples.reset();
    cutShort.reset();
  }
}
