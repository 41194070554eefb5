package org.selfsup.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import org.nd4j.parameterserver.distributed.v2.transport.PortSupplier;

/**
 * One free port per JVM for SharedTrainingMaster's Aeron transport. DL4J's default supplier
 * gives every executor JVM the same port, so several executors on one host collide and
 * training silently does nothing.
 */
final class FreePortSupplier implements PortSupplier {
  private static final long serialVersionUID = 1L;
  private static int port;

  @Override
  public int getPort() {
    synchronized (FreePortSupplier.class) {
      if (port == 0) {
        try (ServerSocket probe = new ServerSocket(0)) {
          port = probe.getLocalPort();
        } catch (IOException e) {
          throw new UncheckedIOException("no free port for the gradient-sharing transport", e);
        }
      }
      return port;
    }
  }
}
