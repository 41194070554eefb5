package org.selfsup.eval;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
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
 * A frozen ComputationGraph shipped to the executors once as serialised bytes and restored once
 * per executor JVM: a static cache keyed by a random id, shared by all tasks in that JVM.
 *
 * <p>A DL4J network is not thread-safe, so callers synchronise on the instance from {@link #get()}
 * while running it; ND4J ops are multi-threaded themselves, so little is lost.
 */
final class BroadcastGraph implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger(BroadcastGraph.class);

  // A few models at most per JVM: an evaluation run uses one, and each may be hundreds of MB.
  private static final int CACHED_MODELS = 2;
  private static final Map<String, ComputationGraph> CACHE =
      new LinkedHashMap<String, ComputationGraph>(4, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, ComputationGraph> eldest) {
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

  /** This JVM's copy of the model, restored on first use. */
  ComputationGraph get() {
    synchronized (CACHE) {
      ComputationGraph g = CACHE.get(id);
      if (g == null) {
        Nd4jSetup.configure();
        byte[] b = bytes.value();
        try {
          g = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(b), false);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot restore broadcast model " + id + ": " + e.getMessage(), e);
        }
        RESTORES.incrementAndGet();
        LOG.info("restored model {} in this JVM ({} bytes)", id, b.length);
        CACHE.put(id, g);
      }
      return g;
    }
  }

  /** How many models this JVM has restored so far (for tests). */
  static int restores() {
    return RESTORES.get();
  }
}
