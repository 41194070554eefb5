package org.selfsup.models;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DL4J's ConvolutionLayer whose passes run on {@link DnnlConvolutionHelper} (oneDNN 3) wherever
 * DL4J would have used its own oneDNN helper, in NCHW or NHWC ({@link ChannelsLast}); anywhere else
 * (CUDA, helpers off) it is DL4J's layer.
 * Same parameters and JSON fields as DL4J's layer (plus this class name), so networks rebuilt from
 * their configuration (checkpoints, Spark's workers) get it too; checkpoints written with DL4J's
 * class load as before and run on DL4J's helper.
 *
 * <p>With {@link #isInputGradient()} false (a convolution on the network's images) oneDNN's backward
 * pass computes the weight gradient only, and the layer gives no gradient for its input: DL4J would
 * compute it and then drop it at the input vertex (on ResNet50 at 224 px, the costliest backward
 * convolution of a step). Where DL4J's own path runs it computes the input gradient as always.
 */
public class DnnlConvolution extends ConvolutionLayer {
  private boolean inputGradient = true;

  /** For JSON. */
  public DnnlConvolution() {
    super();
  }

  /** A copy of {@code conv} (every field, shallow). */
  public static DnnlConvolution of(ConvolutionLayer conv) {
    DnnlConvolution copy = RuntimeLayers.copyConvolution(conv, new DnnlConvolution());
    if (conv instanceof DnnlConvolution) {
      copy.inputGradient = ((DnnlConvolution) conv).inputGradient;
    }
    return copy;
  }

  /** Whether the backward pass computes the gradient for the layer's input (false: null in its place). */
  public boolean isInputGradient() {
    return inputGradient;
  }

  public void setInputGradient(boolean inputGradient) {
    this.inputGradient = inputGradient;
  }

  @Override
  public boolean equals(Object o) {
    return super.equals(o) && o instanceof DnnlConvolution && ((DnnlConvolution) o).inputGradient == inputGradient;
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + (inputGradient ? 1 : 0);
  }

  /** A copy of {@code conv} (every field, shallow) that takes and gives maps in {@code format}. */
  public static DnnlConvolution of(ConvolutionLayer conv, CNN2DFormat format) {
    DnnlConvolution copy = of(conv);
    copy.setCnn2dDataFormat(format);
    return copy;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    return RuntimeLayers.wire(new Runtime(conf, networkDataType), this, conf, listeners, layerIndex, layerParamsView,
        initializeParams);
  }

  /** DL4J's runtime layer with its oneDNN helper wrapped by ours. */
  static final class Runtime extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
    Runtime(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
      helper = DnnlConvolutionHelper.replacing(helper, layerConf().hasBias(),
          ((DnnlConvolution) layerConf()).isInputGradient());
    }

    /**
     * In training DL4J copies the pre-activation output for the backward pass (with a cache mode
     * set; without one the backward pass runs the forward convolution again). An identity
     * activation's backward pass does not read it, nor does our helper's, so the output array
     * itself is kept instead: it stays in the activations workspace until the backward pass is done.
     */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
      if (!training || !(helper instanceof DnnlConvolutionHelper)
          || !(layerConf().getActivationFn() instanceof ActivationIdentity)) {
        return super.activate(training, mgr);
      }
      assertInputSet(false);
      applyDropOutIfNecessary(true, mgr);
      INDArray z = preOutput(true, false, mgr).getFirst();
      preOutput = z;
      return z;
    }

    /**
     * In NHWC, M2's {@code preOutput} first copies the input to NCHW (a permute and a dup) only to
     * read sizes from the copy, then hands the helper the original: a quarter of an NHWC network's
     * inference time, and a full pass over every input in training. Here the input goes to the helper
     * as it is. (M2's backward pass only permutes views in NHWC.)
     */
    @Override
    protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr mgr) {
      org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
      if (!(helper instanceof DnnlConvolutionHelper) || helperCountFail > 0
          || conf.getCnn2dDataFormat() != CNN2DFormat.NHWC || input == null || input.rank() != 4
          || input.dataType() != dataType || input.size(3) != conf.getNIn()) {
        return super.preOutput(training, forBackprop, mgr); // DL4J's own messages for a wrong rank or depth
      }
      if (preOutput != null && forBackprop) {
        return new Pair<>(preOutput, null);
      }
      INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, training, mgr);
      INDArray bias = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, training, mgr) : zeroBias();
      int[] kernel = conf.getKernelSize();
      int[] strides = conf.getStride();
      int[] dilation = conf.getDilation();
      int[] pad = conf.getPadding();
      if (convolutionMode == ConvolutionMode.Same) {
        int[] outSize = ConvolutionUtils.getOutputSize(input, kernel, strides, null, convolutionMode, dilation,
            CNN2DFormat.NHWC);
        int[] inSize = {(int) input.size(1), (int) input.size(2)};
        pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, inSize, kernel, strides, dilation);
      }
      INDArray out = helper.preOutput(input, weights, bias, kernel, strides, pad, conf.getCudnnAlgoMode(),
          conf.getCudnnFwdAlgo(), convolutionMode, dilation, CNN2DFormat.NHWC, mgr);
      return out != null ? new Pair<>(out, null) : super.preOutput(training, forBackprop, mgr);
    }

    /** As M2 does for a bias-free convolution: zeros [1, nOut], outside any workspace, kept. */
    private INDArray zeroBias() {
      if (dummyBias == null) {
        try (MemoryWorkspace ignored = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
          dummyBias = Nd4j.create(dataType, 1, layerConf().getNOut());
        }
      }
      return dummyBias;
    }
  }
}
