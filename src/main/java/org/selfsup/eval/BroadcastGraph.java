package org.selfsup.eval;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.selfsup.runtime.Nd4jSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A frozen ComputationGraph shipped to the executors once as serialised bytes and restored on
 * them: each JVM keeps a pool of copies per model (a static cache keyed by a random id), one per
 * task that runs it at the same time, since a DL4J network is not thread-safe. Concurrent tasks
 * then run the network side by side, each on its share of the cores ({@link org.selfsup.runtime.CoreShare}),
 * rather than one after the other on all of them.
 */
final class BroadcastGraph implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(BroadcastGraph.class);

  // A few models at most per JVM: an evaluation run uses one, and each may be hundreds of MB.
  private static final int CACHED_MODELS = 2;
  private static final Map<String, Deque<ComputationGraph>> IDLE =
      new LinkedHashMap<String, Deque<ComputationGraph>>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<ComputationGraph>> eldest) {
          return size() > CACHED_MODELS;
        }
      };
  private static final AtomicInteger RESTORES = new AtomicInteger();

  private final String id;
  private final Broadcast<byte[]> bytes;

  private BroadcastGraph(String id, Broadcast<byte[]> bytes) {
    this.id = id;
    this.bytes = bytes;
  }

  /** Serialises the model (without updater state) and broadcasts it. */
  static BroadcastGraph of(SparkSession spark, ComputationGraph model) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(model, out, false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the model: " + e.getMessage(), e);
    }
    byte[] b = out.toByteArray();
    String id = UUID.randomUUID().toString();
    LOG.info("broadcasting model {} ({} parameters, {} bytes)", id, model.numParams(), b.length);
    return new BroadcastGraph(id, JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(b));
  }

  String id() {
    return id;
  }

  /**
   * A copy of the model for the calling task alone, restored in this JVM when no idle one is left;
   * hand it back with {@link #giveBack}.
   */
  ComputationGraph borrow() {
    synchronized (IDLE) {
      ComputationGraph g = IDLE.computeIfAbsent(id, k -> new ArrayDeque<>()).pollFirst();
      if (g != null) {
        return g;
      }
    }
    Nd4jSetup.configure();
    byte[] b = bytes.value();
    ComputationGraph g;
    try {
      g = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(b), false);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot restore broadcast model " + id + ": " + e.getMessage(), e);
    }
    int n = RESTORES.incrementAndGet();
    LOG.info("restored model {} in this JVM ({} bytes, copy {} of this JVM's models)", id, b.length, n);
    return g;
  }

  /** Returns a copy from {@link #borrow} to this JVM's pool. */
  void giveBack(ComputationGraph g) {
    synchronized (IDLE) {
      IDLE.computeIfAbsent(id, k -> new ArrayDeque<>()).addFirst(g);
    }
  }

  /** How many model copies this JVM has restored so far (for tests). */
  static int restores() {
    return RESTORES.get();
  }
}
