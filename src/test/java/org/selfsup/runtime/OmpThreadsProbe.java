package org.selfsup.runtime;

import java.util.concurrent.atomic.AtomicInteger;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Run in a JVM of its own by {@link OmpThreadsTest}: loads ND4J on the main thread, then prints the
 * OpenMP threads of that thread, of a thread started afterwards, and of the main thread after
 * {@link Nd4jSetup#resetOmpThreads()}.
 */
public final class OmpThreadsProbe {
  private OmpThreadsProbe() {}

  public static void main(String[] args) throws InterruptedException {
    Nd4j.create(1);
    int loading = Nd4jSetup.currentOmpThreads();
    AtomicInteger other = new AtomicInteger();
    Thread t = new Thread(() -> other.set(Nd4jSetup.currentOmpThreads()));
    t.start();
    t.join();
    Nd4jSetup.resetOmpThreads();
    System.out.println("threads loading=" + loading + " other=" + other.get()
        + " reset=" + Nd4jSetup.currentOmpThreads());
  }
}
