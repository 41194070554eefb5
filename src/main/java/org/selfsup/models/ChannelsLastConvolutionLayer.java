package org.selfsup.models;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.params.ConvolutionParamInitializer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.util.ConvolutionUtils;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layer of {@link ChannelsLastConvolution}: in inference with a helper (oneDNN 3's {@link
 * DnnlConvolutionHelper} where DL4J would use its oneDNN helper), the NHWC input goes to the helper
 * as it is. M2's {@code preOutput} first copies it to NCHW (a permute and a dup),
 * only to read sizes from the copy, then hands the helper the original: a quarter of the NHWC
 * network's inference time. Training, and anything without a helper, runs DL4J's own code.
 */
class ChannelsLastConvolutionLayer extends ConvolutionLayer {
  ChannelsLastConvolutionLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
    helper = DnnlConvolutionHelper.replacing(helper, layerConf().hasBias());
  }

  @Override
  protected Pair<INDArray, INDArray> preOutput(boolean training, boolean forBackprop, LayerWorkspaceMgr workspaceMgr) {
    org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf = layerConf();
    if (training || forBackprop || helper == null || helperCountFail > 0 || conf.getCnn2dDataFormat() != CNN2DFormat.NHWC
        || input == null || input.rank() != 4 || input.dataType() != dataType) {
      return super.preOutput(training, forBackprop, workspaceMgr);
    }
    INDArray weights = getParamWithNoise(ConvolutionParamInitializer.WEIGHT_KEY, false, workspaceMgr);
    INDArray bias = hasBias() ? getParamWithNoise(ConvolutionParamInitializer.BIAS_KEY, false, workspaceMgr) : zeroBias();
    if (input.size(3) != conf.getNIn()) {
      return super.preOutput(training, forBackprop, workspaceMgr); // DL4J's own message for a wrong depth
    }
    int[] kernel = conf.getKernelSize();
    int[] strides = conf.getStride();
    int[] dilation = conf.getDilation();
    int[] pad = conf.getPadding();
    if (convolutionMode == ConvolutionMode.Same) {
      int[] outSize = ConvolutionUtils.getOutputSize(input, kernel, strides, null, convolutionMode, dilation, CNN2DFormat.NHWC);
      int[] inSize = {(int) input.size(1), (int) input.size(2)};
      pad = ConvolutionUtils.getSameModeTopLeftPadding(outSize, inSize, kernel, strides, dilation);
    }
    INDArray out = helper.preOutput(input, weights, bias, kernel, strides, pad, conf.getCudnnAlgoMode(),
        conf.getCudnnFwdAlgo(), convolutionMode, dilation, CNN2DFormat.NHWC, workspaceMgr);
    return out != null ? new Pair<>(out, null) : super.preOutput(training, forBackprop, workspaceMgr);
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
