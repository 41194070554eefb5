package org.selfsup.models;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What DL4J's {@code instantiate} does with a new runtime layer, for our configurations that make their own,
 * and the copy of a DL4J convolution configuration into one of our subclasses.
 */
final class RuntimeLayers {
  private RuntimeLayers() {}

  static <L extends Layer> L wire(L layer, org.deeplearning4j.nn.conf.layers.Layer config, NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray layerParamsView, boolean initializeParams) {
    layer.setListeners(listeners);
    layer.setIndex(layerIndex);
    layer.setParamsViewArray(layerParamsView);
    layer.setParamTable(config.initializer().init(conf, layerParamsView, initializeParams));
    layer.setConf(conf);
    return layer;
  }

  /**
   * Copies every field DL4J's ConvolutionLayer (and its superclasses) declares from {@code from} into
   * {@code to}; {@code from} is DL4J's class or one of our subclasses, which add no fields.
   */
  static <C extends ConvolutionLayer> C copyConvolution(ConvolutionLayer from, C to) {
    if (from.getClass() != ConvolutionLayer.class && from.getClass() != DnnlConvolution.class) {
      throw new IllegalArgumentException("only DL4J's ConvolutionLayer and DnnlConvolution are copied, got "
          + from.getClass().getName());
    }
    for (Class<?> c = ConvolutionLayer.class; c != Object.class; c = c.getSuperclass()) {
      for (Field f : c.getDeclaredFields()) {
        if (!Modifier.isStatic(f.getModifiers())) {
          f.setAccessible(true);
          try {
            f.set(to, f.get(from));
          } catch (IllegalAccessException e) {
            throw new IllegalStateException("cannot copy field " + f, e);
          }
        }
      }
    }
    return to;
  }
}
