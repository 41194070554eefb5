package org.nd4j.nativeblas;

/**
 * Bridge for DL4J 1.0.0-M2's oneDNN detection.
 *
 * <p>DL4J's layer helpers ({@code BaseMKLDNNHelper.mklDnnEnabled()}) look up the class
 * {@code org.nd4j.nativeblas.Nd4jCpu$Environment} reflectively and call
 * {@code getInstance().isUseMKLDNN()}. The M2 native backend moved that class to
 * {@code org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu} and renamed the method to
 * {@code isUseONEDNN()}, so without this bridge DL4J silently runs every convolution,
 * batch norm and pooling layer through its slow built-in path.
 */
public final class Nd4jCpu {
  private Nd4jCpu() {}

  public static final class Environment {
    private static final Environment INSTANCE = new Environment();

    private Environment() {}

    public static Environment getInstance() {
      return INSTANCE;
    }

    public boolean isUseMKLDNN() {
      return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance().isUseONEDNN();
    }
  }
}
