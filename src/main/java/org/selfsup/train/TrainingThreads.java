package org.selfsup.train;

import java.io.IOException;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads of this JVM that the workers of barrier stages train on, so that a worker of the next
 * chunk trains on a thread whose DL4J workspaces (which belong to a thread) are already allocated,
 * instead of each chunk's task freeing them when it ends and the next allocating and zeroing them
 * again. A Spark task's own thread cannot be counted on for that: an executor hands each task to
 * whichever of its threads is idle, the chunks' decoding tasks included. An idle thread of this pool
 * is handed the next work before a new one is started (the most recently idle first); a thread ends
 * after {@link #IDLE_SECONDS} without work and frees its workspaces then, so that an executor left
 * without training holds none for long.
 */
final class TrainingThreads {
  static final long IDLE_SECONDS = 60;

  private static final AtomicInteger STARTED = new AtomicInteger();
  private static final ThreadPoolExecutor POOL = new ThreadPoolExecutor(0, Integer.MAX_VALUE, IDLE_SECONDS,
      TimeUnit.SECONDS, new SynchronousQueue<>(), work -> {
        Thread t = new Thread(() -> {
          try {
            work.run();
          } finally {
            WorkspaceRelease.release();
          }
        }, "selfsup-training-" + STARTED.incrementAndGet());
        t.setDaemon(true);
        return t;
      });

  private TrainingThreads() {}

  /**
   * Runs {@code work} on a thread of the pool and returns its result, throwing what it threw. An
   * interrupt of the calling thread (Spark killing the task) interrupts the work's thread too.
   */
  static <T> T call(Callable<T> work) throws IOException {
    Future<T> result = POOL.submit(work);
    try {
      return result.get();
    } catch (InterruptedException e) {
      result.cancel(true);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while training", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IOException) {
        throw (IOException) cause;
      }
      if (cause instanceof RuntimeException) {
        throw (RuntimeException) cause;
      }
      if (cause instanceof Error) {
        throw (Error) cause;
      }
      throw new IllegalStateException(cause);
    }
  }

  /** How long an idle thread waits for work before it ends (tests shorten it). */
  static void idleTimeout(long time, TimeUnit unit) {
    POOL.setKeepAliveTime(time, unit);
  }
}
