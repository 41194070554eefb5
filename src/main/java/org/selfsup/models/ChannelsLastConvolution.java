package org.selfsup.models;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
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
    if (conv.getClass() != ConvolutionLayer.class) {
      throw new IllegalArgumentException("only DL4J's own ConvolutionLayer is copied, got " + conv.getClass().getName());
    }
    ChannelsLastConvolution copy = new ChannelsLastConvolution();
    for (Class<?> c = ConvolutionLayer.class; c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          f.setAccessible(true);
          try {
            f.set(copy, f.get(conv));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot copy field " + f, e);
          }
        }
      }
    }
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
