package org.selfsup.models;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ReLU passes of {@link ReluLayer} on oneDNN 3's {@code eltwise} primitives (JavaCPP's {@code dnnl}
 * presets): an element-wise op does not care about layout, so a dense float array of any shape is
 * one flat vector to it. The backward pass, {@code dx = (x > 0) · dy}, is one pass over memory where
 * ND4J needs two (a step mask, then a product; docs/design.md, workaround 3). Primitives are built
 * once per length, at most 8 kept ({@link FlatPlans}). One instance per layer, as a network is not shared between threads.
 */
final class DnnlRelu {
  private final engine eng;
  private final FlatPlans<Plan> plans;

  private DnnlRelu(engine eng) {
    this.eng = eng;
    this.plans = new FlatPlans<>(eng, "ReLU", Plan::new, Plan::close);
  }

  /** One where DL4J would use oneDNN (CPU backend, helpers on) and oneDNN 3 loads here; else null. */
  static DnnlRelu createOrNull() {
    engine eng = DnnlConvolutionHelper.enabledEngineOrNull();
    return eng == null ? null : new DnnlRelu(eng);
  }

  /** {@code out = max(in, 0)}; false (nothing written) unless both are dense float arrays of one shape. */
  boolean forward(INDArray in, INDArray out) {
    Plan p = FlatPlans.sameDenseShape(in, out) ? plans.forLength(in.length()) : null;
    return p != null && plans.run(p.fwd, p.fwdArgs, p.src, in, p.dst, out);
  }

  /** {@code dx = (x > 0) · dy}; false (nothing written) unless all three are dense float arrays of one shape. */
  boolean backward(INDArray x, INDArray dy, INDArray dx) {
    Plan p = FlatPlans.sameDenseShape(x, dy) && FlatPlans.sameDenseShape(x, dx) ? plans.forLength(x.length()) : null;
    return p != null && plans.run(p.bwd, p.bwdArgs, p.src, x, p.diffDst, dy, p.diffSrc, dx);
  }

  /** Passes run here (forward and backward), for tests. */
  long passes() {
    return plans.passes();
  }

  @Override
  public String toString() {
    return "DnnlRelu(oneDNN 3, " + plans.passes() + " passes)";
  }

  private final class Plan {
    final eltwise_forward fwd;
    final eltwise_backward bwd;
    final memory src;
    final memory dst;
    final memory diffDst;
    final memory diffSrc;
    final IntMemoryMap fwdArgs;
    final IntMemoryMap bwdArgs;

    Plan(long length) {
      memory.desc flat = new memory.desc(new long[] {length}, memory.data_type.f32, memory.format_tag.a);
      eltwise_forward.primitive_desc fwdPd = DnnlKernels.choose(new eltwise_forward.primitive_desc(eng,
          dnnl.prop_kind.forward_training, dnnl.algorithm.eltwise_relu, flat, flat));
      fwd = new eltwise_forward(fwdPd);
      bwd = new eltwise_backward(DnnlKernels.choose(new eltwise_backward.primitive_desc(eng, dnnl.algorithm.eltwise_relu,
          flat, flat, flat, fwdPd)));
      src = new memory(flat, eng, (Pointer) null);
      dst = new memory(flat, eng, (Pointer) null);
      diffDst = new memory(flat, eng, (Pointer) null);
      diffSrc = new memory(flat, eng, (Pointer) null);
      fwdArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_SRC, src).put(dnnl.DNNL_ARG_DST, dst);
      bwdArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_SRC, src).put(dnnl.DNNL_ARG_DIFF_DST, diffDst)
          .put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc);
    }

    void close() {
      fwd.close();
      bwd.close();
    }
  }
}
