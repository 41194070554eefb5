package org.selfsup.runtime;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Splits this JVM's OpenMP threads ({@link Nd4jSetup#ompThreads()}) among the tasks that run
 * native ops in it at the same time. Two Spark tasks on a 2-core executor each running oneDNN on
 * 2 threads put 4 spinning threads on 2 cores, the case of docs/design.md, workaround 23; with a
 * share each they run side by side on one core each, and the last task left gets all of them.
 */
public final class CoreShare implements AutoCloseable {
  private static final AtomicInteger ACTIVE = new AtomicInteger();

  private final AtomicBoolean open = new AtomicBoolean(true);

  private CoreShare() {
    ACTIVE.incrementAndGet();
  }

  /** Counts the calling task in until {@link #close()}. */
  public static CoreShare join() {
    return new CoreShare();
  }

  /** The threads each task should use now: the JVM's threads over the tasks counted in, at least 1. */
  public static int threadsPerTask() {
    return Math.max(1, Nd4jSetup.ompThreads() / Math.max(1, ACTIVE.get()));
  }

  /** Sets the calling thread's OpenMP threads to {@link #threadsPerTask()}; call before each batch. */
  public void apply() {
    Nd4jSetup.setOmpThreads(threadsPerTask());
  }

  /** The tasks counted in now (for tests and logs). */
  public static int active() {
    return ACTIVE.get();
  }

  /** Counts the task out; idempotent. */
  @Override
  public void close() {
    if (open.compareAndSet(true, false)) {
      ACTIVE.decrementAndGet();
    }
  }
}
