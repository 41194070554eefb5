package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.VertexIndices;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.runtime.Nd4jSetup;

/**
 * {@link SumVertex} against hand-computed sums and against what it replaces: DL4J's
 * {@link ElementWiseVertex} (and a {@link ReluLayer} after it), in whole ResNet and RevNet trunks,
 * where the one input gradient it hands to both inputs must leave every parameter gradient exactly
 * as DL4J's copies do; and a convolution on the images that computes no input gradient.
 */
class SumVertexTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static SumVertex.Runtime vertex(boolean relu) {
    SumVertex.Runtime v = new SumVertex.Runtime(null, "s", 0, relu, DataType.FLOAT);
    v.setInputVertices(new VertexIndices[] {new VertexIndices(0, 0), new VertexIndices(1, 0)});
    v.setOutputVertices(new VertexIndices[] {new VertexIndices(2, 0)});
    return v;
  }

  /** Forward and backward on {@code a}, {@code b}, against sums and masks computed element by element. */
  private static void checkByHand(boolean relu, INDArray a, INDArray b, long oneDnnPasses) {
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    SumVertex.Runtime v = vertex(relu);
    v.setInput(0, a, mgr);
    v.setInput(1, b, mgr);
    INDArray out = v.doForward(true, mgr);
    INDArray eps = Nd4j.rand(DataType.FLOAT, a.shape()).subi(0.5);
    v.setEpsilon(eps);
    Pair<Gradient, INDArray[]> back = v.doBackward(false, mgr);
    float[] av = a.dup().data().asFloat();
    float[] bv = b.dup().data().asFloat();
    float[] ov = out.dup().data().asFloat();
    float[] ev = eps.data().asFloat();
    float[] gv = back.getSecond()[0].dup().data().asFloat();
    int positive = 0;
    for (int i = 0; i < av.length; i++) {
      float s = av[i] + bv[i];
      assertEquals(relu ? Math.max(s, 0f) : s, ov[i], 0f, "output " + i);
      assertEquals(!relu || s > 0 ? ev[i] : 0f, gv[i], 0f, "input gradient " + i);
      positive += s > 0 ? 1 : 0;
    }
    assertTrue(positive > 0 && positive < av.length, "both sides of the ReLU seen");
    assertSame(back.getSecond()[0], back.getSecond()[1], "one gradient array for both inputs");
    assertEquals(oneDnnPasses, v.dnnl() == null ? 0 : v.dnnl().passes());
  }

  @Test
  void sumsAndGradientsAsComputedByHandOnOneDnnAndOnNd4j() {
    Nd4j.getRandom().setSeed(7);
    for (boolean relu : new boolean[] {false, true}) {
      INDArray a = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5);
      INDArray b = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5);
      assertNotNull(vertex(relu).dnnl(), "oneDNN 3 runs in the tests");
      // dense arrays: oneDNN's binary primitive forward, and with the ReLU its backward pass
      checkByHand(relu, a, b, relu ? 2 : 1);
      // strided views: ND4J's forward ops (the ReLU's backward pass, on the dense output and gradients, oneDNN's)
      INDArray wide = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 9).subi(0.5);
      INDArray view = wide.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(2, 7));
      assertFalse(DnnlConvolutionHelper.dense(view));
      checkByHand(relu, view, b, relu ? 1 : 0);
    }
  }

  @Test
  void theConfigurationKeepsTheReluAndTheInputGradientThroughJson() {
    TrunkConfig cfg = TrunkConfig.small("resnet50v1", 1, 16, 1, 1, 1);
    ComputationGraphConfiguration conf = TrunkTestGraphs.configuration(TrunkBuilder::addTrunk, cfg, 4);
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(conf.toJson());
    assertEquals(new SumVertex(true), back.getVertices().get("block1_unit1_out"));
    assertFalse(convolution(back, "root_conv").isInputGradient());
    assertTrue(convolution(back, "block1_unit1_conv1").isInputGradient());
    // a configuration written before the flag existed reads as computing the input gradient
    String old = conf.toJson().replace("\"inputGradient\" : false", "\"unknownField\" : false");
    assertTrue(convolution(ComputationGraphConfiguration.fromJson(old), "root_conv").isInputGradient());
  }

  private static DnnlConvolution convolution(ComputationGraphConfiguration conf, String name) {
    return (DnnlConvolution) ((LayerVertex) conf.getVertices().get(name)).getLayerConf().getLayer();
  }

  @Test
  void aConvolutionOnTheImagesGivesNoInputGradient() {
    TrunkConfig cfg = TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1);
    ComputationGraph net = TrunkTestGraphs.classifier(TrunkBuilder::addTrunk, cfg, 4);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 3, 16, 16);
    net.setInputs(x);
    net.setLabels(labels(3));
    net.computeGradientAndScore();
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    org.deeplearning4j.nn.api.Layer root = net.getLayer("root_conv");
    root.setInput(x, mgr);
    INDArray out = root.activate(true, mgr);
    Pair<Gradient, INDArray> back = root.backpropGradient(Nd4j.rand(DataType.FLOAT, out.shape()), mgr);
    assertNull(back.getSecond());
    assertNotNull(back.getFirst().getGradientFor("W"));
  }

  /**
   * {@code conf} as the code before {@link SumVertex} built it: each sum DL4J's vertex, each sum with
   * a ReLU DL4J's vertex ({@code NAME_sum}) and a {@link ReluLayer} under the sum's name, and every
   * convolution computing its input gradient.
   */
  private static ComputationGraphConfiguration withDl4jSums(ComputationGraphConfiguration conf) {
    ComputationGraphConfiguration ref = conf.clone();
    Map<String, GraphVertex> vertices = ref.getVertices();
    Map<String, List<String>> inputs = ref.getVertexInputs();
    LayerVertex template = null;
    for (GraphVertex v : vertices.values()) {
      if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof ReluLayer) {
        template = (LayerVertex) v;
      }
      if (v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof DnnlConvolution) {
        ((DnnlConvolution) ((LayerVertex) v).getLayerConf().getLayer()).setInputGradient(true);
      }
    }
    for (String name : new ArrayList<>(vertices.keySet())) {
      GraphVertex v = vertices.get(name);
      if (!(v instanceof SumVertex)) {
        continue;
      }
      if (!((SumVertex) v).isRelu()) {
        vertices.put(name, new ElementWiseVertex(ElementWiseVertex.Op.Add));
        continue;
      }
      vertices.put(name + "_sum", new ElementWiseVertex(ElementWiseVertex.Op.Add));
      inputs.put(name + "_sum", inputs.get(name));
      NeuralNetConfiguration relu = template.getLayerConf().clone();
      ReluLayer layer = new ReluLayer();
      layer.setLayerName(name);
      relu.setLayer(layer);
      vertices.put(name, new LayerVertex(relu, null));
      inputs.put(name, new ArrayList<>(List.of(name + "_sum")));
    }
    return ref;
  }

  private static INDArray labels(int n) {
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, 4);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i % 4, 1);
    }
    return y;
  }

  private static Map<String, INDArray> gradients(ComputationGraph net, INDArray x, INDArray y) {
    net.setInputs(x);
    net.setLabels(y);
    net.computeGradientAndScore();
    return net.gradient().gradientForVariable();
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2", "revnet50"})
  void everyGradientIsDl4jsOwnOnEachLayout(String arch) {
    TrunkConfig cfg = TrunkConfig.small(arch, 1, 16, 2, 2, 1);
    ComputationGraph net = TrunkTestGraphs.classifier(TrunkBuilder::addTrunk, cfg, 4);
    ComputationGraph ref = new ComputationGraph(withDl4jSums(net.getConfiguration()));
    ref.init();
    for (org.deeplearning4j.nn.api.Layer l : net.getLayers()) {
      for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
        ref.getLayer(l.conf().getLayer().getLayerName()).setParam(p.getKey(), p.getValue().dup());
      }
    }
    long sums = net.getConfiguration().getVertices().values().stream().filter(v -> v instanceof SumVertex).count();
    assertTrue(sums >= 4, sums + " sums");
    assertEquals(net.numParams(), ref.numParams());
    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 16, 16).subi(0.5);
    INDArray y = labels(5);
    assertArrayEquals(ref.outputSingle(x).data().asFloat(), net.outputSingle(x).data().asFloat(), 0f);
    check(gradients(ref, x, y), gradients(net, x, y));
    ComputationGraph nhwc = ChannelsLast.copyOf(net);
    ComputationGraph refNhwc = ChannelsLast.copyOf(ref);
    INDArray xNhwc = ChannelsLast.toNhwc(x);
    check(gradients(refNhwc, xNhwc, y), gradients(nhwc, xNhwc, y));
  }

  private static void check(Map<String, INDArray> expected, Map<String, INDArray> actual) {
    assertEquals(expected.keySet(), actual.keySet());
    for (Map.Entry<String, INDArray> e : expected.entrySet()) {
      assertTrue(e.getValue().amaxNumber().doubleValue() > 0, e.getKey() + " is all zeros");
      assertArrayEquals(e.getValue().dup().data().asFloat(), actual.get(e.getKey()).dup().data().asFloat(), 0f,
          e.getKey());
    }
  }
}
