package org.selfsup.models;

import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.convolution_backward_data;
import org.bytedeco.dnnl.convolution_backward_weights;
import org.bytedeco.dnnl.convolution_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.AlgoMode;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdDataAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.BwdFilterAlgo;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer.FwdAlgo;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.convolution.ConvolutionHelper;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The float passes of a convolution on oneDNN 3 primitives (JavaCPP's {@code dnnl} presets), built
 * once per input geometry and kept. DL4J M2's own helper calls libnd4j's conv2d ops, which build
 * the primitives anew on every call and convert between NCHW and oneDNN's blocked layout more
 * often than the computation needs: the output array is converted into the blocked layout before
 * the forward pass writes it, the input-gradient array likewise before the backward pass, and the
 * output gradient twice (docs/design.md, workaround 25). Here each pass converts each NCHW array it
 * reads once and each array it writes once; the blocked copies live in per-thread scratch buffers
 * shared by all layers. NHWC activations (the channels-last inference copy) are used as they are,
 * with no conversion. For everything else (other data types, dilation, arrays that are not dense
 * C-order, a geometry oneDNN refuses) it returns null, which sends DL4J to its own path for that
 * call (libnd4j's conv2d ops) without counting a helper failure.
 */
final class DnnlConvolutionHelper implements ConvolutionHelper {
  private static final Logger LOG = LoggerFactory.getLogger(DnnlConvolutionHelper.class);

  private static final int ARG_SRC = dnnl.DNNL_ARG_SRC;
  private static final int ARG_DST = dnnl.DNNL_ARG_DST;
  private static final int ARG_WEIGHTS = dnnl.DNNL_ARG_WEIGHTS;
  private static final int ARG_BIAS = dnnl.DNNL_ARG_BIAS;
  private static final int ARG_DIFF_SRC = dnnl.DNNL_ARG_DIFF_SRC;
  private static final int ARG_DIFF_DST = dnnl.DNNL_ARG_DIFF_DST;
  private static final int ARG_DIFF_WEIGHTS = dnnl.DNNL_ARG_DIFF_WEIGHTS;
  private static final int ARG_DIFF_BIAS = dnnl.DNNL_ARG_DIFF_BIAS;

  private static engine cpu;
  private static boolean loadTried;

  /**
   * The CPU engine of oneDNN 3, or null when its native library cannot be loaded here or its
   * kernels fail {@link DnnlSelfCheck} (logged once).
   */
  static synchronized engine engineOrNull() {
    if (!loadTried) {
      loadTried = true;
      try {
        cpu = new engine(engine.kind.cpu, 0);
      } catch (Throwable t) {
        LOG.warn("oneDNN 3 (org.bytedeco:dnnl) did not load, convolutions use DL4J's oneDNN helper: {}", t.toString());
        return null;
      }
      cpu = checked(cpu);
    }
    return cpu;
  }

  /**
   * {@code eng} once {@link DnnlSelfCheck} agrees with the definition, on oneDNN's first choice of
   * kernels or else on its AVX2 ones (from then on the only ones this JVM runs); null when neither
   * does (logged).
   */
  private static engine checked(engine eng) {
    double error = selfCheckError(eng);
    if (error <= DnnlSelfCheck.TOLERANCE) {
      return eng;
    }
    DnnlKernels.avoidAvx512();
    double avx2Error = selfCheckError(eng);
    if (avx2Error <= DnnlSelfCheck.TOLERANCE) {
      LOG.warn("oneDNN 3's AVX-512 kernels gave wrong convolutions on this CPU in the self-check (relative error {}); "
          + "its AVX2 kernels are used instead", error);
      return eng;
    }
    LOG.warn("oneDNN 3 gave wrong convolutions on this CPU in the self-check (relative error {}, {} on AVX2 "
        + "kernels); convolutions, batch norm and ReLU use DL4J's and ND4J's own code", error, avx2Error);
    return null;
  }

  private static double selfCheckError(engine eng) {
    try {
      return DnnlSelfCheck.worstError(eng);
    } catch (RuntimeException e) {
      LOG.warn("the oneDNN 3 self-check failed to run: {}", e.toString());
      return Double.POSITIVE_INFINITY;
    }
  }

  /**
   * {@link #engineOrNull()} where DL4J itself would use oneDNN (CPU backend, helpers on: its
   * {@code BaseMKLDNNHelper.mklDnnEnabled()}); else null.
   */
  static engine enabledEngineOrNull() {
    return BaseMKLDNNHelper.mklDnnEnabled() ? engineOrNull() : null;
  }

  /**
   * This helper in place of DL4J's oneDNN one ({@code dl4jHelper}); anything else (no helper, cuDNN,
   * oneDNN 3 not loadable here) is kept as it is. Without {@code inputGradient} its backward pass
   * gives null for the input's gradient.
   */
  static ConvolutionHelper replacing(ConvolutionHelper dl4jHelper, boolean hasBias, boolean inputGradient) {
    engine eng = dl4jHelper instanceof MKLDNNConvHelper ? engineOrNull() : null;
    return eng == null ? dl4jHelper : new DnnlConvolutionHelper(hasBias, inputGradient, eng);
  }

  private final boolean hasBias;
  /** Whether the backward pass computes the input gradient (else it returns null for it). */
  private final boolean inputGradient;
  private final engine eng;
  private final stream strm;
  private final Map<Geometry, Plan> plans = new HashMap<>();
  private final Set<Geometry> refused = new HashSet<>();

  DnnlConvolutionHelper(boolean hasBias, boolean inputGradient, engine eng) {
    this.hasBias = hasBias;
    this.inputGradient = inputGradient;
    this.eng = eng;
    this.strm = new stream(eng);
  }

  @Override
  public boolean checkSupported() {
    return true;
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Collections.singletonMap("dnnlScratch", Scratch.get().bytes());
  }

  @Override
  public INDArray preOutput(INDArray input, INDArray weights, INDArray bias, int[] kernel, int[] strides, int[] pad,
      AlgoMode mode, FwdAlgo fwdAlgo, ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format,
      LayerWorkspaceMgr mgr) {
    Plan p = plan(input, weights, kernel, strides, pad, convolutionMode, dilation, format);
    if (p == null || (hasBias && !dense(bias))) {
      return null;
    }
    INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), p.g.outArrayShape(), 'c');
    try {
      p.forward(input, weights, hasBias ? bias : null, out);
    } catch (RuntimeException e) {
      refuse(p.g, e);
      return null;
    }
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray weights, INDArray bias, INDArray delta,
      int[] kernel, int[] strides, int[] pad, INDArray biasGradView, INDArray weightGradView, IActivation afn,
      AlgoMode mode, BwdFilterAlgo filterAlgo, BwdDataAlgo dataAlgo, ConvolutionMode convolutionMode, int[] dilation,
      CNN2DFormat format, LayerWorkspaceMgr mgr) {
    Plan p = plan(input, weights, kernel, strides, pad, convolutionMode, dilation, format);
    if (p == null || !dense(delta) || !dense(weightGradView) || (hasBias && !dense(biasGradView))
        || !Arrays.equals(delta.shape(), p.g.outArrayShape())) {
      return null;
    }
    INDArray epsOut = inputGradient
        ? mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(), 'c') : null;
    // without a bias DL4J passes a dummy bias-gradient array; its gradient then has no "b", as DL4J's own path
    try {
      p.backward(input, weights, delta, epsOut, weightGradView, hasBias ? biasGradView : null);
    } catch (RuntimeException e) {
      refuse(p.g, e);
      return null;
    }
    Gradient g = new DefaultGradient();
    if (hasBias) {
      g.gradientForVariable().put("b", biasGradView);
    }
    g.gradientForVariable().put("W", weightGradView);
    return new Pair<>(g, epsOut);
  }

  @Override
  public INDArray activate(INDArray z, IActivation afn, boolean training) {
    return afn.getActivation(z, training);
  }

  /** The kept plan for this call's geometry, or null when the call is not one this helper runs. */
  private Plan plan(INDArray input, INDArray weights, int[] kernel, int[] strides, int[] pad,
      ConvolutionMode convolutionMode, int[] dilation, CNN2DFormat format) {
    boolean nhwc = format == CNN2DFormat.NHWC;
    if (input.dataType() != DataType.FLOAT || weights.dataType() != DataType.FLOAT
        || input.rank() != 4 || weights.rank() != 4 || dilation[0] != 1 || dilation[1] != 1
        || !dense(input) || !dense(weights) || input.size(nhwc ? 3 : 1) != weights.size(1)) {
      return null;
    }
    int[] out = ConvolutionUtils.getOutputSize(input, kernel, strides, convolutionMode == ConvolutionMode.Same ? null : pad,
        convolutionMode, dilation, format);
    int ih = (int) input.size(nhwc ? 1 : 2);
    int iw = (int) input.size(nhwc ? 2 : 3);
    int[] tl = convolutionMode == ConvolutionMode.Same
        ? ConvolutionUtils.getSameModeTopLeftPadding(out, new int[] {ih, iw}, kernel, strides, dilation) : pad;
    int bottom = (out[0] - 1) * strides[0] + kernel[0] - ih - tl[0];
    int right = (out[1] - 1) * strides[1] + kernel[1] - iw - tl[1];
    // a strided kernel that stops short of the last rows or columns has negative bottom or right padding
    if (bottom <= -strides[0] || right <= -strides[1] || tl[0] < 0 || tl[1] < 0) {
      return null;
    }
    Geometry g = new Geometry(nhwc, input.size(0), weights.size(1), ih, iw, weights.size(0), kernel[0], kernel[1],
        strides[0], strides[1], tl[0], tl[1], bottom, right, out[0], out[1]);
    if (refused.contains(g)) {
      return null;
    }
    Plan p = plans.get(g);
    if (p == null) {
      if (plans.size() >= 8) {
        plans.values().forEach(Plan::close);
        plans.clear();
      }
      try {
        p = new Plan(g, hasBias, eng, strm);
      } catch (RuntimeException e) {
        refuse(g, e);
        return null;
      }
      plans.put(g, p);
    }
    return p;
  }

  /** Sends a geometry oneDNN 3 failed on to DL4J's helper from now on (logged once per geometry). */
  private void refuse(Geometry g, RuntimeException e) {
    refused.add(g);
    Plan p = plans.remove(g);
    if (p != null) {
      p.close();
    }
    LOG.warn("oneDNN 3 convolution failed for {}; this layer leaves it to DL4J's own path: {}", g, e.toString());
  }

  /** Float and laid out as a dense C-order array (strides of size-1 dimensions do not matter). */
  static boolean dense(INDArray a) {
    if (a == null || a.dataType() != DataType.FLOAT || a.isEmpty()) {
      return false;
    }
    long[] shape = a.shape();
    long[] stride = a.stride();
    long expected = 1;
    for (int i = shape.length - 1; i >= 0; i--) {
      if (shape[i] != 1 && stride[i] != expected) {
        return false;
      }
      expected *= shape[i];
    }
    return true;
  }

  /**
   * The native address of an array's first element. A view's buffer already starts at the view's
   * offset (as ND4J's own BLAS calls rely on), so the array's offset is not added again.
   */
  static Pointer address(INDArray a) {
    Pointer p = a.data().addressPointer();
    long at = p.address() + p.position() * p.sizeof();
    return new Pointer() {
      {
        address = at;
      }
    };
  }

  /** Points each oneDNN memory at the array after it: memory, array, memory, array, ... */
  static void bind(Object... memoryThenArray) {
    for (int i = 0; i < memoryThenArray.length; i += 2) {
      ((memory) memoryThenArray[i]).set_data_handle(address((INDArray) memoryThenArray[i + 1]));
    }
  }

  /** Shapes, strides, paddings and activation layout (NCHW or NHWC) of one convolution call. */
  static final class Geometry {
    final boolean nhwc;
    final long n, ic, ih, iw, oc, kh, kw, sh, sw, pt, pl, pb, pr, oh, ow;

    Geometry(boolean nhwc, long n, long ic, long ih, long iw, long oc, long kh, long kw, long sh, long sw, long pt,
        long pl, long pb, long pr, long oh, long ow) {
      this.nhwc = nhwc;
      this.n = n; this.ic = ic; this.ih = ih; this.iw = iw; this.oc = oc; this.kh = kh; this.kw = kw; this.sh = sh;
      this.sw = sw; this.pt = pt; this.pl = pl; this.pb = pb; this.pr = pr; this.oh = oh; this.ow = ow;
    }

    /** oneDNN's dimensions of the input: N, C, H, W whatever the layout. */
    long[] inShape() {
      return new long[] {n, ic, ih, iw};
    }

    long[] weightShape() {
      return new long[] {oc, ic, kh, kw};
    }

    long[] outShape() {
      return new long[] {n, oc, oh, ow};
    }

    /** The output array's shape in its layout. */
    long[] outArrayShape() {
      return nhwc ? new long[] {n, oh, ow, oc} : outShape();
    }

    memory.format_tag activationTag() {
      return nhwc ? memory.format_tag.nhwc : memory.format_tag.nchw;
    }

    private long[] all() {
      return new long[] {nhwc ? 1 : 0, n, ic, ih, iw, oc, kh, kw, sh, sw, pt, pl, pb, pr, oh, ow};
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Geometry && Arrays.equals(all(), ((Geometry) o).all());
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(all());
    }

    @Override
    public String toString() {
      return String.format("%s [%d,%d,%d,%d] * [%d,%d,%d,%d] stride %dx%d padding %d,%d,%d,%d", nhwc ? "NHWC" : "NCHW",
          n, ic, ih, iw, oc, ic, kh, kw, sh, sw, pt, pl, pb, pr);
    }
  }

  /**
   * One array a primitive reads or writes: the user's NCHW (or OIHW) memory, and when the primitive
   * wants another layout, a scratch memory in that layout and the reorder between the two.
   */
  private static final class Operand {
    final memory user;
    final memory inner;
    final primitive toInner;
    final primitive toUser;
    final IntMemoryMap toInnerArgs;
    final IntMemoryMap toUserArgs;
    final int scratchRole;
    final long innerBytes;

    Operand(engine eng, memory.desc userMd, memory.desc innerMd, int scratchRole, boolean read, boolean write) {
      this.user = new memory(userMd, eng, (Pointer) null);
      this.scratchRole = scratchRole;
      if (userMd.equals(innerMd)) {
        inner = user;
        toInner = toUser = null;
        toInnerArgs = toUserArgs = null;
        innerBytes = 0;
      } else {
        inner = new memory(innerMd, eng, (Pointer) null);
        innerBytes = innerMd.get_size();
        toInner = read ? new reorder(new reorder.primitive_desc(eng, userMd, eng, innerMd)) : null;
        toInnerArgs = read ? new IntMemoryMap().put(ARG_SRC, user).put(ARG_DST, inner) : null;
        toUser = write ? new reorder(new reorder.primitive_desc(eng, innerMd, eng, userMd)) : null;
        toUserArgs = write ? new IntMemoryMap().put(ARG_SRC, inner).put(ARG_DST, user) : null;
      }
    }

    /** Points the user memory at {@code a} and the inner one at this thread's scratch buffer. */
    void bind(INDArray a) {
      user.set_data_handle(address(a));
      if (inner != user) {
        inner.set_data_handle(Scratch.get().buffer(scratchRole, innerBytes));
      }
    }

    void read(stream s) {
      if (toInner != null) {
        toInner.execute(s, toInnerArgs);
      }
    }

    void write(stream s) {
      if (toUser != null) {
        toUser.execute(s, toUserArgs);
      }
    }
  }

  /** The primitives and operands of one geometry; the backward ones are built on first use. */
  static final class Plan {
    // scratch buffers by role; roles never live at the same time share one: the input-shaped copies
    // (forward source, input gradient, then the weight pass's source once the input gradient is
    // written back), the output-shaped ones, the weight-shaped ones, and the weight pass's own
    // output-gradient copy (live beside the data pass's)
    private static final int SRC = 0, DIFF_SRC = 0, SRC_W = 0, DST = 1, DIFF_DST = 1, WEIGHTS = 2,
        WEIGHTS_BWD = 2, DIFF_WEIGHTS = 2, DIFF_DST_W = 3;

    final Geometry g;
    private final boolean hasBias;
    private final engine eng;
    private final stream strm;
    private final convolution_forward.primitive_desc fwdPd;
    private final primitive fwd;
    private final Operand src, wei, dst;
    private final memory bias;
    private final IntMemoryMap fwdArgs;
    private boolean backwardBuilt;
    private primitive bwdData, bwdWeights;
    private Operand diffDst, diffSrc, weiBwd, diffDstW, srcW, diffWei;
    private memory diffBias;
    private IntMemoryMap bwdDataArgs, bwdWeightsArgs;

    Plan(Geometry g, boolean hasBias, engine eng, stream strm) {
      this.g = g;
      this.hasBias = hasBias;
      this.eng = eng;
      this.strm = strm;
      memory.desc biasMd = hasBias ? md(new long[] {g.oc}, memory.format_tag.x) : new memory.desc();
      // NHWC activations (the channels-last inference copy) are a layout oneDNN's kernels take as
      // they are: asking for it spares both conversions; NCHW ones go to the layout oneDNN prefers
      fwdPd = DnnlKernels.choose(new convolution_forward.primitive_desc(eng, dnnl.prop_kind.forward_training,
          dnnl.algorithm.convolution_direct, g.nhwc ? user(g.inShape()) : any(g.inShape()), any(g.weightShape()),
          biasMd, g.nhwc ? user(g.outShape()) : any(g.outShape()), strides(), padL(), padR()));
      fwd = new convolution_forward(fwdPd);
      src = new Operand(eng, user(g.inShape()), fwdPd.src_desc(), SRC, true, false);
      wei = new Operand(eng, md(g.weightShape(), memory.format_tag.oihw), fwdPd.weights_desc(), WEIGHTS, true, false);
      dst = new Operand(eng, user(g.outShape()), fwdPd.dst_desc(), DST, false, true);
      bias = hasBias ? new memory(biasMd, eng, (Pointer) null) : null;
      fwdArgs = new IntMemoryMap().put(ARG_SRC, src.inner).put(ARG_WEIGHTS, wei.inner).put(ARG_DST, dst.inner);
      if (hasBias) {
        fwdArgs.put(ARG_BIAS, bias);
      }
    }

    void forward(INDArray x, INDArray w, INDArray b, INDArray out) {
      src.bind(x);
      wei.bind(w);
      dst.bind(out);
      if (hasBias) {
        bias.set_data_handle(address(b));
      }
      src.read(strm);
      wei.read(strm);
      fwd.execute(strm, fwdArgs);
      dst.write(strm);
      strm._wait();
    }

    /** The weight (and bias) gradient, and the input gradient into {@code epsOut} unless it is null. */
    void backward(INDArray x, INDArray w, INDArray delta, INDArray epsOut, INDArray wGrad, INDArray bGrad) {
      buildBackward(bGrad != null);
      diffDst.bind(delta);
      diffDst.read(strm);
      if (epsOut != null) {
        weiBwd.bind(w);
        diffSrc.bind(epsOut);
        weiBwd.read(strm);
        bwdData.execute(strm, bwdDataArgs);
        diffSrc.write(strm);
      }
      srcW.bind(x);
      diffWei.bind(wGrad);
      srcW.read(strm);
      memory dd = diffDst.inner;
      if (diffDstW.inner != dd) {
        diffDstW.bind(delta);
        diffDstW.read(strm);
        dd = diffDstW.inner;
      }
      bwdWeightsArgs.put(ARG_DIFF_DST, dd);
      if (diffBias != null) {
        diffBias.set_data_handle(address(bGrad));
      }
      bwdWeights.execute(strm, bwdWeightsArgs);
      diffWei.write(strm);
      strm._wait();
    }

    private void buildBackward(boolean withBiasGrad) {
      if (backwardBuilt && (diffBias != null) == withBiasGrad) {
        return;
      }
      // as in the forward pass: NHWC maps as they are, NCHW ones in the layout oneDNN prefers
      memory.desc in = g.nhwc ? user(g.inShape()) : any(g.inShape());
      memory.desc out = g.nhwc ? user(g.outShape()) : any(g.outShape());
      convolution_backward_data.primitive_desc dataPd = DnnlKernels.choose(new convolution_backward_data.primitive_desc(
          eng, dnnl.algorithm.convolution_direct, in, any(g.weightShape()), out, strides(), padL(), padR(), fwdPd));
      memory.desc biasMd = withBiasGrad ? md(new long[] {g.oc}, memory.format_tag.x) : new memory.desc();
      convolution_backward_weights.primitive_desc weightsPd = DnnlKernels.choose(
          new convolution_backward_weights.primitive_desc(eng, dnnl.algorithm.convolution_direct, in,
              any(g.weightShape()), biasMd, out, strides(), padL(), padR(), fwdPd));
      bwdData = new convolution_backward_data(dataPd);
      bwdWeights = new convolution_backward_weights(weightsPd);
      memory.desc outUser = user(g.outShape());
      diffDst = new Operand(eng, outUser, dataPd.diff_dst_desc(), DIFF_DST, true, false);
      weiBwd = new Operand(eng, md(g.weightShape(), memory.format_tag.oihw), dataPd.weights_desc(), WEIGHTS_BWD, true,
          false);
      diffSrc = new Operand(eng, user(g.inShape()), dataPd.diff_src_desc(), DIFF_SRC, false, true);
      diffDstW = weightsPd.diff_dst_desc().equals(dataPd.diff_dst_desc()) ? diffDst
          : new Operand(eng, outUser, weightsPd.diff_dst_desc(), DIFF_DST_W, true, false);
      srcW = new Operand(eng, user(g.inShape()), weightsPd.src_desc(), SRC_W, true, false);
      diffWei = new Operand(eng, md(g.weightShape(), memory.format_tag.oihw), weightsPd.diff_weights_desc(),
          DIFF_WEIGHTS, false, true);
      diffBias = withBiasGrad ? new memory(biasMd, eng, (Pointer) null) : null;
      bwdDataArgs = new IntMemoryMap().put(ARG_DIFF_DST, diffDst.inner).put(ARG_WEIGHTS, weiBwd.inner)
          .put(ARG_DIFF_SRC, diffSrc.inner);
      bwdWeightsArgs = new IntMemoryMap().put(ARG_SRC, srcW.inner).put(ARG_DIFF_WEIGHTS, diffWei.inner);
      if (diffBias != null) {
        bwdWeightsArgs.put(ARG_DIFF_BIAS, diffBias);
      }
      backwardBuilt = true;
    }

    void close() {
      fwd.close();
      if (bwdData != null) {
        bwdData.close();
        bwdWeights.close();
      }
    }

    private long[] strides() {
      return new long[] {g.sh, g.sw};
    }

    private long[] padL() {
      return new long[] {g.pt, g.pl};
    }

    private long[] padR() {
      return new long[] {g.pb, g.pr};
    }

    private static memory.desc md(long[] dims, memory.format_tag tag) {
      return new memory.desc(dims, memory.data_type.f32, tag);
    }

    /** The activations' own layout. */
    private memory.desc user(long[] dims) {
      return md(dims, g.activationTag());
    }

    private static memory.desc any(long[] dims) {
      return md(dims, memory.format_tag.any);
    }
  }

  /**
   * Per-thread buffers for the blocked copies, one per group of roles (the role constants of
   * {@link Plan}), grown to the largest size asked for and shared by every layer the thread runs (a
   * layer's copies are dead once its pass returns).
   */
  private static final class Scratch {
    private static final ThreadLocal<Scratch> PER_THREAD = ThreadLocal.withInitial(Scratch::new);
    private static final int ALIGN = 64;
    private final BytePointer[] buffers = new BytePointer[4];
    private final long[] sizes = new long[4];

    static Scratch get() {
      return PER_THREAD.get();
    }

    Pointer buffer(int role, long bytes) {
      if (sizes[role] < bytes) {
        if (buffers[role] != null) {
          buffers[role].close();
        }
        buffers[role] = new BytePointer(bytes + ALIGN);
        sizes[role] = bytes;
      }
      BytePointer b = buffers[role];
      long misalign = b.address() % ALIGN;
      return new BytePointer(b).position(misalign == 0 ? 0 : ALIGN - misalign);
    }

    long bytes() {
      long sum = 0;
      for (long s : sizes) {
        sum += s;
      }
      return sum;
    }
  }

  @Override
  public String toString() {
    return "DnnlConvolutionHelper(oneDNN 3, " + plans.size() + " plans, " + refused.size() + " refused)";
  }
}
