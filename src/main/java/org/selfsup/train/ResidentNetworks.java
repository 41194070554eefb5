package org.selfsup.train;

import java.util.Deque;
import java.util.concurrent.ConcurrentLinkedDeque;
import org.deeplearning4j.nn.graph.ComputationGraph;

/**
 * The networks the workers of a barrier stage end a chunk with, kept in their executor's JVM for the
 * next chunk's workers, so that these skip fetching the driver's network from the hub and restoring
 * it (a few hundred milliseconds a chunk on the quickstart trunk, more on larger ones). Each is
 * tagged with a version that the driver names when, and only when, its own network holds exactly
 * the state the workers ended with (the last average); any other entry is stale and dropped. Every worker of a
 * chunk ends with the same network, so a worker may take one that another partition left. A miss
 * only costs the restore: correctness never depends on a hit.
 */
final class ResidentNetworks {
  /** At most this many are kept per JVM (one per task slot of a local[*] driver is the most a stage leaves). */
  static final int MAX_KEPT = 8;

  private static final Deque<Kept> KEPT = new ConcurrentLinkedDeque<>();

  private ResidentNetworks() {}

  private static final class Kept {
    final String version;
    final ComputationGraph net;

    Kept(String version, ComputationGraph net) {
      this.version = version;
      this.net = net;
    }
  }

  /** Keeps {@code net} as {@code version}, dropping the oldest beyond {@link #MAX_KEPT}. */
  static void keep(String version, ComputationGraph net) {
    KEPT.addLast(new Kept(version, net));
    while (KEPT.size() > MAX_KEPT) {
      KEPT.pollFirst();
    }
  }

  /**
   * A kept network of {@code version}, removed from the kept ones, or null (none, or {@code version}
   * null); entries of other versions met on the way are dropped.
   */
  static ComputationGraph take(String version) {
    if (version == null) {
      return null;
    }
    for (Kept k; (k = KEPT.pollFirst()) != null; ) {
      if (k.version.equals(version)) {
        return k.net;
      }
    }
    return null;
  }

  /** How many networks this JVM keeps now. */
  static int size() {
    return KEPT.size();
  }
}
