package org.selfsup.models;

import java.util.Random;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.DefaultParamInitializer;
import org.deeplearning4j.nn.weights.IWeightInit;
import org.deeplearning4j.nn.weights.WeightInitRelu;
import org.deeplearning4j.nn.weights.WeightInitXavierUniform;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Draws every weight of an initialised graph again, from {@link java.util.Random} seeded by the
 * configuration's seed and the layer's name, with the distribution of the layer's weight init.
 * Why: ND4J 1.0.0-M2's native generator does not repeat itself after {@code setSeed} (two
 * {@code randn} calls after the same {@code setSeed(0)} differ), so DL4J's own seeded init is not
 * repeatable, and a "random trunk" baseline must be. Biases and batch-norm parameters are
 * constants already.
 */
public final class SeededInit {
  private SeededInit() {}

  /** Re-initialises {@code graph}'s weights with its configuration's seed; returns it. */
  public static ComputationGraph apply(ComputationGraph graph) {
    return apply(graph, graph.getConfiguration().getDefaultConfiguration().getSeed());
  }

  public static ComputationGraph apply(ComputationGraph graph, long seed) {
    for (Layer layer : graph.getLayers()) {
      if (!(layer.conf().getLayer() instanceof BaseLayer)
          || !layer.paramTable().containsKey(DefaultParamInitializer.WEIGHT_KEY)) {
        continue;
      }
      BaseLayer conf = (BaseLayer) layer.conf().getLayer();
      INDArray w = layer.getParam(DefaultParamInitializer.WEIGHT_KEY);
      String name = layer.conf().getLayer().getLayerName();
      Random rng = new Random(seed * 0x9E3779B97F4A7C15L + name.hashCode());
      float[] values = draw(conf.getWeightInitFn(), fans(conf), (int) w.length(), rng, name);
      w.assign(Nd4j.create(values, w.shape(), w.ordering()));
    }
    return graph;
  }

  /** fan-in and fan-out as DL4J's parameter initialisers compute them. */
  private static double[] fans(BaseLayer conf) {
    FeedForwardLayer ff = (FeedForwardLayer) conf;
    if (conf instanceof ConvolutionLayer) {
      ConvolutionLayer c = (ConvolutionLayer) conf;
      double kernel = (double) c.getKernelSize()[0] * c.getKernelSize()[1];
      double stride = (double) c.getStride()[0] * c.getStride()[1];
      return new double[] {ff.getNIn() * kernel, ff.getNOut() * kernel / stride};
    }
    return new double[] {ff.getNIn(), ff.getNOut()};
  }

  private static float[] draw(IWeightInit init, double[] fans, int n, Random rng, String layer) {
    float[] out = new float[n];
    if (init instanceof WeightInitRelu) {
      double std = Math.sqrt(2.0 / fans[0]);
      for (int i = 0; i < n; i++) {
        out[i] = (float) (rng.nextGaussian() * std);
      }
    } else if (init instanceof WeightInitXavierUniform) {
      double limit = Math.sqrt(6.0 / (fans[0] + fans[1]));
      for (int i = 0; i < n; i++) {
        out[i] = (float) ((2 * rng.nextDouble() - 1) * limit);
      }
    } else {
      throw new IllegalStateException("layer " + layer + ": no seeded version of weight init "
          + init.getClass().getSimpleName() + " (known: RELU, XAVIER_UNIFORM)");
    }
    return out;
  }
}
