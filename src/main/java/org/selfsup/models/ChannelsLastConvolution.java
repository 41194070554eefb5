package org.selfsup.models;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's ConvolutionLayer in NHWC computed by {@link ChannelsLastConvolutionLayer}, which skips a
 * copy M2 makes of every NHWC input in inference (docs/design.md, workarounds). Same parameters and
 * JSON fields (plus this class name); {@link ChannelsLast#copyOf} puts it in place of each
 * convolution.
 */
public class ChannelsLastConvolution extends ConvolutionLayer {
  /** For JSON. */
  public ChannelsLastConvolution() {
    super();
  }

  /** A copy of {@code conv} (every field, shallow) in NHWC. */
  public static ChannelsLastConvolution of(ConvolutionLayer conv) {
    ChannelsLastConvolution copy = RuntimeLayers.copyConvolution(conv, new ChannelsLastConvolution());
    copy.setCnn2dDataFormat(CNN2DFormat.NHWC);
    return copy;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    // ConvolutionLayer.instantiate with this layer's implementation
    return RuntimeLayers.wire(new ChannelsLastConvolutionLayer(conf, networkDataType), this, conf, listeners, layerIndex,
        layerParamsView, initializeParams);
  }
}
