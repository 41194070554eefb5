package org.selfsup.models;

import org.bytedeco.dnnl.primitive_desc;
import org.bytedeco.dnnl.primitive_desc_base;

/**
 * Which of oneDNN 3's implementations the helpers of this JVM run: the one oneDNN picks first, or,
 * once {@link DnnlSelfCheck} has found oneDNN's AVX-512 kernels giving wrong results on this CPU,
 * the first one that is not an AVX-512 kernel (docs/design.md, workaround 27). Every oneDNN 3
 * primitive descriptor of the helpers goes through {@link #choose}.
 */
final class DnnlKernels {
  private static volatile boolean avoidAvx512;

  private DnnlKernels() {}

  /** From now on, primitives of this JVM skip oneDNN's AVX-512 implementations. */
  static void avoidAvx512() {
    avoidAvx512 = true;
  }

  static boolean avoidingAvx512() {
    return avoidAvx512;
  }

  /** {@code pd}, moved to the implementation this JVM runs. */
  static <T extends primitive_desc> T choose(T pd) {
    return choose(pd, avoidAvx512);
  }

  /**
   * {@code pd}, moved on to its first implementation that is not an AVX-512 kernel when {@code
   * avoidAvx512}; throws when oneDNN has none (the helpers then leave that shape to DL4J or ND4J).
   */
  static <T extends primitive_desc> T choose(T pd, boolean avoidAvx512) {
    if (!avoidAvx512) {
      return pd;
    }
    while (isAvx512(implementation(pd))) {
      if (!pd.next_impl()) {
        throw new IllegalStateException("oneDNN 3 has no implementation but AVX-512 ones (" + implementation(pd)
            + "), whose results were wrong on this CPU");
      }
    }
    return pd;
  }

  static String implementation(primitive_desc_base pd) {
    return pd.impl_info_str().getString();
  }

  static boolean isAvx512(String implementation) {
    return implementation.contains("avx512");
  }
}
