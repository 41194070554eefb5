package org.selfsup.runtime;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J/DL4J process set-up: oneDNN helpers on, and one log line saying what is in use.
 * Call {@link #configure()} in every JVM (driver and executors) before a network is built.
 */
public final class Nd4jSetup {
  /** DL4J reads this each time a layer creates its helper; the default "true" disables oneDNN. */
  public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

  private static final Logger LOG = LoggerFactory.getLogger(Nd4jSetup.class);
  private static volatile boolean configured;

  private Nd4jSetup() {}

  public static synchronized void configure() {
    if (configured) {
      return;
    }
    if (System.getProperty(HELPERS_DISABLE) == null) {
      System.setProperty(HELPERS_DISABLE, "false");
    }
    configured = true;
    limitBundledBlasThreads();
    resetOmpThreads();
    LOG.info(describe());
  }

  /**
   * The OpenMP threads ND4J's native ops (oneDNN's convolutions among them) should use: the
   * environment's OMP_NUM_THREADS, else the JVM's processor count.
   */
  public static int ompThreads() {
    String n = System.getenv("OMP_NUM_THREADS");
    if (n != null) {
      try {
        int t = Integer.parseInt(n.trim());
        if (t > 0) {
          return t;
        }
      } catch (NumberFormatException e) {
        // OpenMP ignores a malformed value as well
      }
    }
    return Runtime.getRuntime().availableProcessors();
  }

  /** The OpenMP threads a parallel region started from the calling thread would use. */
  public static int currentOmpThreads() {
    return NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
  }

  /**
   * ND4J M2's {@code NativeOpsHolder} constructor ends with {@code setOmpNumThreads(4)} whatever
   * OMP_NUM_THREADS says, and OpenMP applies that to the thread that loaded ND4J (other threads
   * keep the environment's count). On 2 cores that thread ran every oneDNN call on 4 spinning
   * threads (docs/design.md, workaround 23). Sets the calling thread back to {@link #ompThreads()};
   * a no-op off the CPU backend.
   */
  public static void resetOmpThreads() {
    setOmpThreads(ompThreads());
  }

  /**
   * Sets the OpenMP threads of the calling thread's native ops (OpenMP keeps the count per
   * thread); a no-op off the CPU backend or when it is already {@code threads}.
   */
  public static void setOmpThreads(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("OpenMP threads must be >= 1, got " + threads);
    }
    if (!"CPU".equalsIgnoreCase(backend())) {
      return;
    }
    if (currentOmpThreads() != threads) {
      NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
    }
  }

  /**
   * ND4J sets the OpenBLAS it bundles to OMP_NUM_THREADS threads, and once ND4J is loaded that
   * OpenBLAS is also what netlib's BLAS (the probes' and MLlib's matrix products) calls: its
   * threads then spin-wait beside Spark's task threads (measured: 80% of a probe pass in
   * exec_blas_async, docs/results.md). OPENBLAS_NUM_THREADS, which the launcher and the Spark
   * conf set to 1, is applied to it too.
   */
  private static void limitBundledBlasThreads() {
    String n = System.getenv("OPENBLAS_NUM_THREADS");
    if (n == null || !"CPU".equalsIgnoreCase(backend())) {
      return;
    }
    try {
      Nd4j.factory().blas().setMaxThreads(Integer.parseInt(n.trim()));
    } catch (RuntimeException e) {
      LOG.warn("cannot set ND4J's BLAS threads to OPENBLAS_NUM_THREADS={}: {}", n, e.toString());
    }
  }

  /** The threads of the BLAS ND4J bundles (OpenBLAS on CPU). */
  public static int bundledBlasThreads() {
    return Nd4j.factory().blas().getMaxThreads();
  }

  /** True when DL4J's layers will pick the oneDNN helpers in this JVM. */
  public static boolean oneDnnInUse() {
    return !Boolean.parseBoolean(System.getProperty(HELPERS_DISABLE, "true"))
        && "CPU".equalsIgnoreCase(backend())
        && Nd4j.getEnvironment().helpersAllowed()
        && org.nd4j.nativeblas.Nd4jCpu.Environment.getInstance().isUseMKLDNN();
  }

  public static String backend() {
    return Nd4j.getExecutioner().getEnvironmentInformation().getProperty("backend", "unknown");
  }

  /** The backend's class, e.g. org.nd4j.linalg.cpu.nativecpu.CpuBackend or org.nd4j.linalg.jcublas.JCublasBackend. */
  public static String backendClass() {
    return Nd4j.getBackend().getClass().getName();
  }

  /** One line: the backend (CPU or CUDA, and its class), oneDNN (CPU only), threads and cores. */
  public static String describe() {
    String omp = System.getenv("OMP_NUM_THREADS");
    String backend = backend();
    String helpers = "CPU".equalsIgnoreCase(backend)
        ? ", oneDNN " + (oneDnnInUse() ? "on" : "OFF (slow path: see README, Speed)") : "";
    String blas = "CPU".equalsIgnoreCase(backend) ? ", BLAS threads " + bundledBlasThreads() : "";
    String threads = "CPU".equalsIgnoreCase(backend) ? " (this thread " + currentOmpThreads() + ")" : "";
    return String.format("ND4J backend %s (%s)%s, OMP_NUM_THREADS=%s%s%s, cores=%d", backend, backendClass(),
        helpers, omp == null ? "unset" : omp, threads, blas, Runtime.getRuntime().availableProcessors());
  }
}
