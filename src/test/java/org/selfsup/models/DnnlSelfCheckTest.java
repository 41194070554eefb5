package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.runtime.Nd4jSetup;

/** The self-check that decides which of oneDNN 3's kernels the helpers run (DnnlSelfCheck, DnnlKernels). */
class DnnlSelfCheckTest {
  private static engine eng;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
    eng = DnnlConvolutionHelper.engineOrNull();
    assertNotNull(eng, "oneDNN 3 loads and passes its self-check on some of its kernels");
  }

  @Test
  void theKernelsInUseAgreeWithTheDefinition() {
    double error = DnnlSelfCheck.worstError(eng);
    assertTrue(error <= DnnlSelfCheck.TOLERANCE, "relative error " + error);
  }

  @Test
  void aWrongResultIsCaught() {
    // the reference sees weights 0.01 larger than the helper's: about 1% of a typical weight
    double error = DnnlSelfCheck.worstError(eng, 0.01f);
    assertTrue(error > DnnlSelfCheck.TOLERANCE, "relative error " + error);
  }

  @Test
  void avoidingAvx512MovesToAnotherKernel() {
    long[] in = {3, 128, 4, 4};
    long[] out = {3, 512, 4, 4};
    convolution_forward.primitive_desc pd = new convolution_forward.primitive_desc(eng,
        dnnl.prop_kind.forward_training, dnnl.algorithm.convolution_direct,
        new memory.desc(in, memory.data_type.f32, memory.format_tag.nhwc),
        new memory.desc(new long[] {512, 128, 1, 1}, memory.data_type.f32, memory.format_tag.any), new memory.desc(),
        new memory.desc(out, memory.data_type.f32, memory.format_tag.nhwc), new long[] {1, 1}, new long[] {0, 0},
        new long[] {0, 0});
    String first = DnnlKernels.implementation(pd);
    String chosen = DnnlKernels.implementation(DnnlKernels.choose(pd, true));
    assertFalse(DnnlKernels.isAvx512(chosen), "chose " + chosen + " (oneDNN's first: " + first + ")");
    assertTrue(DnnlKernels.isAvx512("brgconv_1x1:avx512_core") && !DnnlKernels.isAvx512("brgconv_1x1:avx2"));
  }
}
