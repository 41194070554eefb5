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
 * Spark accumulators counting the records skipped under {@link BadRecordPolicy#SKIP}: one
 * {@link LongAccumulator} per {@link BadRecordKind}, and up to {@value #MAX_SAMPLES} messages
 * per task (at most {@value #MAX_SAMPLES} are reported).
 *
 * <p>Create on the driver, pass in {@link ReadOptions#withCounter(BadRecordCounter)}, read
 * {@link #total()} after an action. Like all accumulators updated in a transformation, the counts
 * add up over every evaluation of the dataset (cache it, or {@link #reset()} between actions).
 */
public final class BadRecordCounter implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final int MAX_SAMPLES = 100;

  private final EnumMap<BadRecordKind, LongAccumulator> counts = new EnumMap<>(BadRecordKind.class);
  private final CollectionAccumulator<String> samples;

  private BadRecordCounter(SparkContext sc, String name) {
    for (BadRecordKind k : BadRecordKind.values()) {
      counts.put(k, sc.longAccumulator(name + "." + k.name().toLowerCase()));
    }
    samples = sc.collectionAccumulator(name + ".samples");
  }

  /** Registers the accumulators with the session's SparkContext (named "badRecords.*"). */
  public static BadRecordCounter create(SparkSession spark) {
    return new BadRecordCounter(spark.sparkContext(), "badRecords");
  }

  /** As {@link #create(SparkSession)}, with accumulator names starting with {@code name}. */
  public static BadRecordCounter create(SparkContext sc, String name) {
    return new BadRecordCounter(sc, name);
  }

  /** Executor side: count one bad record (keeps its message while this task has kept fewer than the cap). */
  public void add(BadRecordException e) {
    BadRecordKind kind = e.kind() == null ? BadRecordKind.NOT_AN_EXAMPLE : e.kind();
    counts.get(kind).add(1L);
    if (samples.value().size() < MAX_SAMPLES) {
      samples.add(e.getMessage());
    }
  }

  /** Driver side: all bad records counted so far. */
  public long total() {
    long t = 0;
    for (LongAccumulator a : counts.values()) {
      t += a.value();
    }
    return t;
  }

  /** Driver side: bad records of one kind. */
  public long count(BadRecordKind kind) {
    return counts.get(kind).value();
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

  /** Driver side: e.g. "3 bad records skipped (DATA_CRC=2, TRUNCATED=1)". */
  public String summary() {
    long t = total();
    if (t == 0) {
      return "no bad records";
    }
    StringBuilder sb = new StringBuilder().append(t).append(t == 1 ? " bad record skipped (" : " bad records skipped (");
    String sep = "";
    for (Map.Entry<BadRecordKind, Long> e : byKind().entrySet()) {
      sb.append(sep).append(e.getKey()).append('=').append(e.getValue());
      sep = ", ";
    }
    return sb.append(')').toString();
  }

  /** Driver side: back to zero. */
  public void reset() {
    counts.values().forEach(LongAccumulator::reset);
    samples.reset();
  }
}
