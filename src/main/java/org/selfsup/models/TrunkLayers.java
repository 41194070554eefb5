package org.selfsup.models;

import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;

/**
 * The layers every trunk builder adds to a graph, named with the trunk's prefix: bias-free
 * convolutions on oneDNN 3, our batch norm and ReLU (docs/design.md, workarounds), sums and other
 * vertices.
 */
abstract class TrunkLayers {
  protected final ComputationGraphConfiguration.GraphBuilder b;
  protected final TrunkConfig cfg;
  protected final String prefix;

  protected TrunkLayers(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix) {
    this.b = b;
    this.cfg = cfg;
    this.prefix = prefix;
  }

  /** A square convolution with Same padding. */
  protected String conv(String name, String in, int kernel, int stride, int filters) {
    return conv(name, in, kernel, kernel, stride, ConvolutionMode.Same, filters);
  }

  /** A bias-free convolution; on a network input (images) it computes no gradient for its input. */
  protected String conv(String name, String in, int kh, int kw, int stride, ConvolutionMode mode, int filters) {
    DnnlConvolution conv = DnnlConvolution.of(new ConvolutionLayer.Builder(kh, kw)
        .stride(stride, stride)
        .nOut(filters)
        .hasBias(false)
        .convolutionMode(mode)
        .activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM)
        .build());
    conv.setInputGradient(!b.getNetworkInputs().contains(in));
    return add(name, conv, in);
  }

  protected String bn(String name, String in) {
    return add(name, RowwiseBatchNormalization.of(cfg.bnDecay, cfg.bnEpsilon), in);
  }

  protected String relu(String name, String in) {
    return add(name, new ReluLayer(), in);
  }

  protected String sum(String name, String a, String c) {
    return vertex(name, new SumVertex(false), a, c);
  }

  /** {@code max(a + c, 0)} in one vertex. */
  protected String sumRelu(String name, String a, String c) {
    return vertex(name, new SumVertex(true), a, c);
  }

  protected String vertex(String name, GraphVertex v, String... inputs) {
    String full = prefix + name;
    b.addVertex(full, v, inputs);
    return full;
  }

  protected String add(String name, Layer layer, String in) {
    String full = prefix + name;
    b.addLayer(full, layer, in);
    return full;
  }
}
