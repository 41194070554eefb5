package org.selfsup.models;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.batch_normalization_backward;
import org.bytedeco.dnnl.batch_normalization_forward;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch normalisation of float activations (NCHW, or NHWC in the channels-last inference copy) on oneDNN 3's {@code batch_normalization}
 * primitives (JavaCPP's {@code dnnl} presets), built once per shape and run on the arrays' own
 * memory: no layout conversion, the statistics and the normalisation in oneDNN's vectorised
 * passes, and the backward pass in two passes over the activations where {@link
 * RowwiseBatchNormHelper} needs six ND4J operations (docs/design.md, workaround 26). Same formulas
 * as DL4J's layer: biased batch variance, {@code y = γ (x − μ) / sqrt(σ² + ε) + β}.
 *
 * <p>Anything else (other data types, ranks other than 4, a shape oneDNN refuses, logged once)
 * goes to {@code fallback}, the row-wise helper, for that call.
 *
 * <p>With {@code fuseRelu} ({@link BatchNormReluLayer}) the primitives apply the ReLU after the
 * normalisation too (oneDNN's {@code fuse_norm_relu}: the training pass keeps a bit mask in a
 * workspace of its plan, which the backward pass reads); {@link #appliedRelu} tells the layer
 * whether the last forward pass did.
 */
final class DnnlBatchNormHelper extends ChainedBatchNormHelper {
  private static final Logger LOG = LoggerFactory.getLogger(DnnlBatchNormHelper.class);

  private final engine eng;
  private final stream strm;
  private final Map<Key, Plan> plans = new HashMap<>();
  private final Set<Key> refused = new HashSet<>();

  private final boolean fuseRelu;
  /** The plan of the last forward pass this helper ran. */
  private Plan lastPlan;

  DnnlBatchNormHelper(BatchNormalizationHelper fallback, engine eng, boolean fuseRelu) {
    super(fallback);
    this.eng = eng;
    this.strm = new stream(eng);
    this.fuseRelu = fuseRelu;
  }

  /** Whether the last forward pass applied the ReLU as well (fused, here). */
  boolean appliedRelu() {
    return fuseRelu && ranForward();
  }

  /** Whether the backward pass of these arrays will be the fused one, after a fused forward pass. */
  boolean takesFusedBackward(INDArray input, INDArray epsilon) {
    return appliedRelu() && backwardPlan(input, epsilon) != null;
  }

  @Override
  public INDArray preOutput(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
      INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    Plan p = handles(x) && dense(gamma) && dense(beta)
        && (training || (dense(mean) && dense(var))) ? plan(new Key(x.shape(), format, (float) eps)) : null;
    if (p != null) {
      INDArray in = DnnlConvolutionHelper.dense(x) ? x : x.dup('c');
      INDArray out = workspaceMgr.createUninitialized(ArrayType.ACTIVATIONS, DataType.FLOAT, x.shape(), 'c');
      try {
        if (training) {
          ensureStatistics(gamma.length());
          p.forwardTraining(in, gamma, beta, batchMean, batchVariance, out);
        } else {
          p.forwardInference(in, gamma, beta, mean, var, out);
        }
        ranForwardHere();
        lastPlan = p;
        return out;
      } catch (RuntimeException e) {
        refuse(p.key, e);
      }
    }
    return forwardDownTheLine(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray input, INDArray epsilon, long[] shape, INDArray gamma,
      INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    Plan p = dense(gamma) ? backwardPlan(input, epsilon) : null;
    if (p == null) {
      return backwardDownTheLine(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
          workspaceMgr);
    }
    INDArray x = DnnlConvolutionHelper.dense(input) ? input : input.dup('c');
    INDArray dy = DnnlConvolutionHelper.dense(epsilon) ? epsilon : epsilon.dup('c');
    INDArray dx = workspaceMgr.createUninitialized(ArrayType.ACTIVATION_GRAD, DataType.FLOAT, input.shape(), 'c');
    INDArray dGamma = dense(dGammaView) ? dGammaView : Nd4j.createUninitialized(DataType.FLOAT, gamma.length());
    INDArray dBeta = dense(dBetaView) ? dBetaView : Nd4j.createUninitialized(DataType.FLOAT, gamma.length());
    p.backward(x, dy, gamma, batchMean, batchVariance, dx, dGamma, dBeta);
    if (dGamma != dGammaView) {
      dGammaView.assign(dGamma.reshape(dGammaView.shape()));
      dBetaView.assign(dBeta.reshape(dBetaView.shape()));
    }
    Gradient gradient = new DefaultGradient();
    gradient.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
    gradient.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
    return new Pair<>(gradient, dx);
  }

  /** The plan of the last forward pass where it can take the backward pass of these arrays, else null. */
  private Plan backwardPlan(INDArray input, INDArray epsilon) {
    return lastPlan == null || !ranForward() || !handles(input) || !handles(epsilon)
        || !Arrays.equals(input.shape(), epsilon.shape()) || !Arrays.equals(input.shape(), lastPlan.key.shape)
        ? null : lastPlan;
  }

  private static boolean handles(INDArray a) {
    return a.rank() == 4 && a.dataType() == DataType.FLOAT;
  }

  private static boolean dense(INDArray a) {
    return DnnlConvolutionHelper.dense(a);
  }

  private void ensureStatistics(long c) {
    if (batchMean == null || batchMean.length() != c) {
      try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
        batchMean = Nd4j.createUninitialized(DataType.FLOAT, c);
        batchVariance = Nd4j.createUninitialized(DataType.FLOAT, c);
      }
    }
  }

  private Plan plan(Key key) {
    Plan p = plans.get(key);
    if (p == null && !refused.contains(key)) {
      if (plans.size() >= 8) {
        plans.values().forEach(Plan::close);
        plans.clear();
        lastPlan = null;
      }
      try {
        p = new Plan(key, eng, strm, fuseRelu);
      } catch (RuntimeException e) {
        refuse(key, e);
        return null;
      }
      plans.put(key, p);
    }
    return p;
  }

  private void refuse(Key key, RuntimeException e) {
    Plan p = plans.remove(key);
    if (p == lastPlan) {
      lastPlan = null;
    }
    if (p != null) {
      p.close();
    }
    if (refused.add(key)) {
      LOG.warn("oneDNN 3 batch normalisation failed for {}; this layer leaves that shape to the row-wise helper: {}", key, e.toString());
    }
  }

  /** The array shape, layout and epsilon a plan was built for. */
  static final class Key {
    final long[] shape;
    final CNN2DFormat format;
    final float eps;

    Key(long[] shape, CNN2DFormat format, float eps) {
      this.shape = shape.clone();
      this.format = format;
      this.eps = eps;
    }

    /** oneDNN's dimensions are N, C, H, W whatever the layout in memory. */
    long[] dims() {
      return format == CNN2DFormat.NCHW ? shape : new long[] {shape[0], shape[3], shape[1], shape[2]};
    }

    memory.format_tag tag() {
      return format == CNN2DFormat.NCHW ? memory.format_tag.nchw : memory.format_tag.nhwc;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key && Arrays.equals(shape, ((Key) o).shape) && format == ((Key) o).format
          && eps == ((Key) o).eps;
    }

    @Override
    public int hashCode() {
      return 31 * (31 * Arrays.hashCode(shape) + format.hashCode()) + Float.hashCode(eps);
    }

    @Override
    public String toString() {
      return format + " " + Arrays.toString(shape) + " eps " + eps;
    }
  }

  /** The primitives of one shape; the inference one is built on first use. */
  private static final class Plan {
    private static final int SCALE_SHIFT = dnnl.normalization_flags.use_scale.value
        | dnnl.normalization_flags.use_shift.value;

    final Key key;
    private final int flags;
    private final engine eng;
    private final stream strm;
    private final memory.desc data;
    private final memory.desc channels;
    private final batch_normalization_forward.primitive_desc trainPd;
    private final primitive train;
    private primitive infer;
    private final primitive bwd;
    private final memory src;
    private final memory dst;
    private final memory scale;
    private final memory shift;
    private final memory mean;
    private final memory variance;
    private final memory diffDst;
    private final memory diffSrc;
    private final memory diffScale;
    private final memory diffShift;
    private final IntMemoryMap forwardArgs;
    private final IntMemoryMap backwardArgs;
    private final memory workspace;

    Plan(Key key, engine eng, stream strm, boolean fuseRelu) {
      this.key = key;
      this.flags = SCALE_SHIFT | (fuseRelu ? dnnl.normalization_flags.fuse_norm_relu.value : 0);
      this.eng = eng;
      this.strm = strm;
      long[] dims = key.dims();
      data = new memory.desc(dims, memory.data_type.f32, key.tag());
      channels = new memory.desc(new long[] {dims[1]}, memory.data_type.f32, memory.format_tag.x);
      trainPd = DnnlKernels.choose(new batch_normalization_forward.primitive_desc(eng,
          dnnl.prop_kind.forward_training.value, data, data, key.eps, flags));
      train = new batch_normalization_forward(trainPd);
      src = new memory(data, eng, (Pointer) null);
      dst = new memory(data, eng, (Pointer) null);
      diffDst = new memory(data, eng, (Pointer) null);
      diffSrc = new memory(data, eng, (Pointer) null);
      scale = new memory(channels, eng, (Pointer) null);
      shift = new memory(channels, eng, (Pointer) null);
      mean = new memory(channels, eng, (Pointer) null);
      variance = new memory(channels, eng, (Pointer) null);
      diffScale = new memory(channels, eng, (Pointer) null);
      diffShift = new memory(channels, eng, (Pointer) null);
      forwardArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_SRC, src).put(dnnl.DNNL_ARG_DST, dst)
          .put(dnnl.DNNL_ARG_SCALE, scale).put(dnnl.DNNL_ARG_SHIFT, shift).put(dnnl.DNNL_ARG_MEAN, mean)
          .put(dnnl.DNNL_ARG_VARIANCE, variance);
      // built with the forward one, so that a shape oneDNN cannot take backward goes wholly to the
      // fallback helper (a forward pass here leaves the fallback without the statistics it needs)
      bwd = new batch_normalization_backward(DnnlKernels.choose(new batch_normalization_backward.primitive_desc(eng,
          dnnl.prop_kind.backward.value, data, data, data, key.eps, flags, trainPd)));
      backwardArgs = new IntMemoryMap().put(dnnl.DNNL_ARG_SRC, src).put(dnnl.DNNL_ARG_DIFF_DST, diffDst)
          .put(dnnl.DNNL_ARG_SCALE, scale).put(dnnl.DNNL_ARG_MEAN, mean).put(dnnl.DNNL_ARG_VARIANCE, variance)
          .put(dnnl.DNNL_ARG_DIFF_SRC, diffSrc).put(dnnl.DNNL_ARG_DIFF_SCALE, diffScale)
          .put(dnnl.DNNL_ARG_DIFF_SHIFT, diffShift);
      if (fuseRelu) {
        // the ReLU's bit mask, written by the training pass and read by the backward pass (oneDNN allocates it)
        workspace = new memory(trainPd.workspace_desc(), eng);
        forwardArgs.put(dnnl.DNNL_ARG_WORKSPACE, workspace);
        backwardArgs.put(dnnl.DNNL_ARG_WORKSPACE, workspace);
      } else {
        workspace = null;
      }
    }

    /** Normalises with the batch's statistics and writes them to {@code mu} and {@code sigma2}. */
    void forwardTraining(INDArray x, INDArray gamma, INDArray beta, INDArray mu, INDArray sigma2, INDArray out) {
      forward(train, x, gamma, beta, mu, sigma2, out);
    }

    /** Normalises with the given (running) statistics. */
    void forwardInference(INDArray x, INDArray gamma, INDArray beta, INDArray mu, INDArray sigma2, INDArray out) {
      if (infer == null) {
        infer = new batch_normalization_forward(DnnlKernels.choose(new batch_normalization_forward.primitive_desc(eng,
            dnnl.prop_kind.forward_inference.value, data, data, key.eps,
            flags | dnnl.normalization_flags.use_global_stats.value)));
      }
      forward(infer, x, gamma, beta, mu, sigma2, out);
    }

    private void forward(primitive p, INDArray x, INDArray gamma, INDArray beta, INDArray mu, INDArray sigma2,
        INDArray out) {
      DnnlConvolutionHelper.bind(src, x, dst, out, scale, gamma, shift, beta, mean, mu, variance, sigma2);
      p.execute(strm, forwardArgs);
      strm._wait();
    }

    void backward(INDArray x, INDArray dy, INDArray gamma, INDArray mu, INDArray sigma2, INDArray dx,
        INDArray dGamma, INDArray dBeta) {
      DnnlConvolutionHelper.bind(src, x, diffDst, dy, scale, gamma, mean, mu, variance, sigma2, diffSrc, dx,
          diffScale, dGamma, diffShift, dBeta);
      bwd.execute(strm, backwardArgs);
      strm._wait();
    }

    void close() {
      for (primitive p : new primitive[] {train, infer, bwd}) {
        if (p != null) {
          p.close();
        }
      }
      if (workspace != null) {
        workspace.close();
      }
    }
  }

  @Override
  public String toString() {
    return "DnnlBatchNormHelper(oneDNN 3, " + plans.size() + " plans)";
  }
}
