package org.nd4j.nativeblas;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Bridge for DL4J 1.0.0-M2's oneDNN detection.
 *
 * <p>DL4J's layer helpers ({@code BaseMKLDNNHelper.mklDnnEnabled()}) look up the class
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} reflectively and call
 * {@code getInstance().isUseMKLDNN()}. The M2 native backend moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and renamed the method to
 * {@code isUseONEDNN()}, so without this bridge DL4J silently runs every convolution,
 * batch norm and pooling layer through its slow built-in path.
 *
 * <p>The native backend is looked up by name, not linked, so that the CUDA build (mvn -Pgpu),
 * which has no CPU backend, compiles too; there this answers false.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  public static final class Environment {
    private static final Environment INSTANCE = new Environment();
    private static final String NATIVE_ENVIRONMENT = "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment";

    private volatile MethodHandle isUseOneDnn;
    private volatile boolean looked;

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    public boolean isUseMKLDNN() {
      MethodHandle h = handle();
      if (h == null) {
        return false;
      }
      try {
        return (boolean) h.invoke();
      } catch (Throwable t) {
        throw new IllegalStateException("cannot ask the native backend whether oneDNN is on", t);
      }
    }

    /** getInstance().isUseONEDNN() of the native backend's Environment; null without that backend. */
    private MethodHandle handle() {
      if (!looked) {
        synchronized (this) {
          if (!looked) {
            isUseOneDnn = find();
            looked = true;
          }
        }
      }
      return isUseOneDnn;
    }

    private static MethodHandle find() {
      Class<?> env;
      try {
        env = Class.forName(NATIVE_ENVIRONMENT, true, Nd4jCpu.class.getClassLoader());
      } catch (ClassNotFoundException e) {
        return null;
      }
      try {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Object instance = lookup.findStatic(env, "getInstance", MethodType.methodType(env)).invoke();
        return lookup.findVirtual(env, "isUseONEDNN", MethodType.methodType(boolean.class)).bindTo(instance);
      } catch (Throwable t) {
        throw new IllegalStateException("the native backend's " + NATIVE_ENVIRONMENT
            + " has no getInstance().isUseONEDNN()", t);
      }
    }
  }
}
