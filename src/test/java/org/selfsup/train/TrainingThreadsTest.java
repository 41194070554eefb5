package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;

/** The pool barrier workers train on: the same thread and its workspaces for consecutive work; freed when it ends. */
class TrainingThreadsTest {
  private static final WorkspaceConfiguration TEN_MB = WorkspaceConfiguration.builder().initialSize(10L << 20).build();

  /** Allocates in a workspace of the calling thread and returns it (left open for the thread's next use). */
  private static MemoryWorkspace useWorkspace() {
    MemoryWorkspace ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread(TEN_MB, "TrainingThreadsTest");
    try (MemoryWorkspace open = ws.notifyScopeEntered()) {
      Nd4j.create(DataType.FLOAT, 1000);
    }
    return ws;
  }

  /** Waits until {@code t} waits for work (a worker's chunks are seconds apart; a test's calls are not). */
  private static void awaitIdle(Thread t) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (t.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  @Test
  void consecutiveWorkRunsOnTheSameThreadWithItsWorkspaces() throws IOException {
    Nd4jSetup.configure();
    Thread caller = Thread.currentThread();
    Thread first = TrainingThreads.call(() -> {
      useWorkspace();
      return Thread.currentThread();
    });
    assertFalse(first == caller, "the work ran on a thread of the pool");
    awaitIdle(first);
    Object[] second = TrainingThreads.call(() -> new Object[] {Thread.currentThread(), WorkspaceRelease.heldByCurrentThread()});
    assertSame(first, second[0], "the idle thread took the next work");
    assertTrue((Long) second[1] >= 10L << 20, "the workspace the first work allocated is still there: " + second[1]);
  }

  @Test
  void aThreadThatEndsFreesItsWorkspaces() throws Exception {
    Nd4jSetup.configure();
    Object[] used = TrainingThreads.call(() -> new Object[] {Thread.currentThread(), useWorkspace()});
    Thread thread = (Thread) used[0];
    MemoryWorkspace ws = (MemoryWorkspace) used[1];
    assertTrue(ws.getCurrentSize() >= 10L << 20, "allocated: " + ws.getCurrentSize());
    TrainingThreads.idleTimeout(50, TimeUnit.MILLISECONDS);
    try {
      thread.join(30_000);
    } finally {
      TrainingThreads.idleTimeout(TrainingThreads.IDLE_SECONDS, TimeUnit.SECONDS);
    }
    assertFalse(thread.isAlive(), "the idle thread ended");
    assertEquals(0, ws.getCurrentSize(), "its workspace was destroyed as it ended");
  }

  @Test
  void theWorksFailureIsThrownAsItWas() {
    IOException lost = assertThrows(IOException.class, () -> TrainingThreads.call(() -> {
      throw new IOException("connection lost");
    }));
    assertEquals("connection lost", lost.getMessage());
    IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> TrainingThreads.call(() -> {
      throw new IllegalArgumentException("bad");
    }));
    assertEquals("bad", bad.getMessage());
  }
}
