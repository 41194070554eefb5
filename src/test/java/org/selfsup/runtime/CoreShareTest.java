package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CoreShareTest {
  @Test
  void theThreadsAreSplitAmongTheTasksCountedIn() throws Exception {
    int all = Nd4jSetup.ompThreads();
    int before = CoreShare.active();
    try (CoreShare a = CoreShare.join()) {
      assertEquals(before + 1, CoreShare.active());
      assertEquals(Math.max(1, all / (before + 1)), CoreShare.threadsPerTask());
      try (CoreShare b = CoreShare.join()) {
        assertEquals(Math.max(1, all / (before + 2)), CoreShare.threadsPerTask());
        b.apply();
        assertEquals(Math.max(1, all / (before + 2)), Nd4jSetup.currentOmpThreads());
        b.close(); // closing twice counts out once
      }
      assertEquals(before + 1, CoreShare.active());
      a.apply();
      assertEquals(Math.max(1, all / (before + 1)), Nd4jSetup.currentOmpThreads());
    } finally {
      Nd4jSetup.resetOmpThreads();
    }
    assertEquals(before, CoreShare.active());
  }

  @Test
  void theShareIsPerThread() throws Exception {
    // OpenMP keeps the count per thread: a task thread's share leaves the others' alone
    Nd4jSetup.configure();
    int mine = Nd4jSetup.currentOmpThreads();
    int[] seen = new int[2];
    Thread t = new Thread(() -> {
      try (CoreShare a = CoreShare.join(); CoreShare b = CoreShare.join(); CoreShare c = CoreShare.join()) {
        c.apply();
        seen[0] = Nd4jSetup.currentOmpThreads();
        seen[1] = CoreShare.threadsPerTask();
      }
    });
    t.start();
    t.join();
    assertEquals(seen[1], seen[0]);
    assertEquals(mine, Nd4jSetup.currentOmpThreads());
  }
}
