package org.selfsup.models;

import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.binary;
import org.bytedeco.dnnl.eltwise_backward;
import org.bytedeco.dnnl.eltwise_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The passes of {@link SumVertex} on oneDNN 3 (JavaCPP's {@code dnnl} presets): {@code out = a + b},
 * or {@code out = max(a + b, 0)}, as one {@code binary} primitive (the ReLU a post-op of the sum),
 * one read of each input and one write; and the ReLU's backward pass {@code dx = (out > 0) · dy}
 * from the sum's output, one pass. As in {@link DnnlRelu}, a dense float array of any shape and
 * layout is one flat vector to an element-wise op. Primitives are built once per length, at most 8
 * kept ({@link FlatPlans}). One instance per vertex, as a network is not shared between threads.
 */
final class DnnlSum {
  private final engine eng;
  private final boolean relu;
  private final FlatPlans<Plan> plans;

  private DnnlSum(engine eng, boolean relu) {
    this.eng = eng;
    this.relu = relu;
    this.plans = new FlatPlans<>(eng, "a sum", Plan::new, Plan::close);
  }

  /** One where DL4J would use oneDNN (CPU backend, helpers on) and oneDNN 3 loads here; else null. */
  static DnnlSum createOrNull(boolean relu) {
    engine eng = DnnlConvolutionHelper.enabledEngineOrNull();
    return eng == null ? null : new DnnlSum(eng, relu);
  }

  /** {@code out = a + b} (with the ReLU: its maximum with 0); false (nothing written) unless all are dense float arrays of one shape. */
  boolean forward(INDArray a, INDArray b, INDArray out) {
    Plan p = FlatPlans.sameDenseShape(a, b) && FlatPlans.sameDenseShape(a, out) ? plans.forLength(a.length()) : null;
    return p != null && plans.run(p.fwd, p.fwdArgs, p.src0, a, p.src1, b, p.dst, out);
  }

  /** The ReLU's {@code dx = (out > 0) · dy}; false (nothing written) unless all are dense float arrays of one shape. */
  boolean backward(INDArray out, INDArray dy, INDArray dx) {
    if (!relu) {
      throw new IllegalStateException("a plain sum passes its gradient on unchanged");
    }
    Plan p = FlatPlans.sameDenseShape(out, dy) && FlatPlans.sameDenseShape(out, dx) ? plans.forLength(out.length()) : null;
    return p != null && plans.run(p.bwd, p.bwdArgs, p.dst, out, p.diffDst, dy, p.diffSrc, dx);
  }

  /** Passes run here (forward and backward), for tests. */
  long passes() {
    return plans.passes();
  }

  @Override
  public String toString() {
    return "DnnlSum(oneDNN 3, " + (relu ? "with ReLU, " : "") + plans.passes() + " passes)";
  }

  private final class Plan {
    final binary fwd;
    final eltwise_backward bwd;
    final memory src0;
    final memory src1;
    final memory dst;
    final memory diffDst;
    final memory diffSrc;
    final IntMemoryMap fwdArgs;
    final IntMemoryMap bwdArgs;

    Plan(long length) {
      memory.desc flat = new memory.desc(new long[] {length}, memory.data_type.f32, memory.format_tag.a);
      primitive_attr attr = new primitive_attr();
      if (relu) {
        post_ops ops = new post_ops();
        ops.append_eltwise(dnnl.algorithm.eltwise_relu, 0f, 0f);
        attr.set_post_ops(ops);
      }
      fwd = new binary(DnnlKernels.choose(new binary.primitive_desc(eng, dnnl.algorithm.binary_add, flat, flat, flat,
          attr, false)));
      src0 = new memory(flat, eng, (Pointer) null);
      src1 = new memory(flat, eng, (Pointer) null);
      dst = new memory(flat, eng, (Pointer) null);
      fwdArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_SRC_0, src0).put(dnnl.DNNL_ARG_SRC_1, src1)
          .put(dnnl.DNNL_ARG_DST, dst);
      if (relu) {
        // the mask from the output: max(s, 0) > 0 exactly where s > 0, so the sum itself need not be kept
        eltwise_forward.primitive_desc hint = new eltwise_forward.primitive_desc(eng, dnnl.prop_kind.forward_training,
            dnnl.algorithm.eltwise_relu_use_dst_for_bwd, flat, flat);
        bwd = new eltwise_backward(DnnlKernels.choose(new eltwise_backward.primitive_desc(eng,
            dnnl.algorithm.eltwise_relu_use_dst_for_bwd, flat, flat, flat, hint)));
        diffDst = new memory(flat, eng, (Pointer) null);
        diffSrc = new memory(flat, eng, (Pointer) null);
        bwdArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_DST, dst).put(dnnl.DNNL_ARG_DIFF_DST, diffDst)
            .put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc);
      } else {
        bwd = null;
        diffDst = null;
        diffSrc = null;
        bwdArgs = null;
      }
    }

    void close() {
      fwd.close();
      if (bwd != null) {
        bwd.close();
      }
    }
  }
}
