package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

class ReluLayerTest {
  private static final String DL4J_ACTIVATION_LAYER = ActivationLayer.class.getName();

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static Layer reluLayer(INDArray input) {
    ComputationGraphConfiguration conf = Optimisation.base(new TrainConfig(), 0.1).dataType(DataType.FLOAT).graphBuilder()
        .addInputs("in").setInputTypes(InputType.feedForward(input.size(1)))
        .addLayer("relu", new ReluLayer(), "in")
        .setOutputs("relu").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    Layer layer = g.getLayer("relu");
    layer.setInput(input, LayerWorkspaceMgr.noWorkspaces());
    return layer;
  }

  @Test
  void forwardAndBackwardByHandLeaveTheInputAsItIs() {
    INDArray x = Nd4j.createFromArray(new float[][] {{-2f, 0f, 0.5f, 3f}});
    INDArray dy = Nd4j.createFromArray(new float[][] {{10f, 20f, 30f, 40f}});
    Layer layer = reluLayer(x);
    assertTrue(layer instanceof ReluLayer.Runtime);
    assertEquals(Nd4j.createFromArray(new float[][] {{0f, 0f, 0.5f, 3f}}), layer.activate(true, LayerWorkspaceMgr.noWorkspaces()));
    assertEquals(Nd4j.createFromArray(new float[][] {{0f, 0f, 0.5f, 3f}}), layer.activate(false, LayerWorkspaceMgr.noWorkspaces()));
    // the derivative at exactly 0 is 0, as in DL4J's ReLU
    Pair<Gradient, INDArray> back = layer.backpropGradient(dy, LayerWorkspaceMgr.noWorkspaces());
    assertEquals(Nd4j.createFromArray(new float[][] {{0f, 0f, 30f, 40f}}), back.getSecond());
    assertEquals(Nd4j.createFromArray(new float[][] {{-2f, 0f, 0.5f, 3f}}), x);
    assertEquals(Nd4j.createFromArray(new float[][] {{10f, 20f, 30f, 40f}}), dy);
  }

  @Test
  void trainsTheTrunkExactlyAsDl4jsActivationLayer() {
    ComputationGraph[] pair = TrunkTestGraphs.trunkWithLayerReplaced(ReluLayer.class.getName(), DL4J_ACTIVATION_LAYER);
    ComputationGraph ours = pair[0];
    ComputationGraph dl4j = pair[1];
    int relus = 0;
    for (Layer layer : ours.getLayers()) {
      relus += layer instanceof ReluLayer.Runtime ? 1 : 0;
    }
    assertEquals(7, relus); // after bn0, bn1, bn2 of two blocks and final_bn
    for (Layer layer : dl4j.getLayers()) {
      assertTrue(!(layer instanceof ReluLayer.Runtime));
    }
    TrunkTestGraphs.assertTrainAlike(dl4j, ours, 0.0);
  }

  /**
   * Maps of the trunk (4-D, here NHWC-shaped) go through oneDNN, views that are not dense through
   * ND4J's ops; both give max(x, 0) and (x > 0) · dy, computed here element by element.
   */
  @Test
  void denseMapsRunOnOneDnnAndViewsOnNd4j() {
    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5);
    x.putScalar(new long[] {0, 1, 2, 3}, 0f);
    INDArray dy = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 5).subi(0.5);
    ComputationGraphConfiguration conf = Optimisation.base(new TrainConfig(), 0.1).dataType(DataType.FLOAT).graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(3, 4, 5, org.deeplearning4j.nn.conf.CNN2DFormat.NHWC))
        .addLayer("relu", new ReluLayer(), "in").setOutputs("relu").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    ReluLayer.Runtime layer = (ReluLayer.Runtime) g.getLayer("relu");
    assertTrue(layer.dnnl() != null, "oneDNN 3 runs here (CPU backend, helpers on)");
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    for (boolean view : new boolean[] {false, true}) {
      // a view: the same values read through permuted strides
      INDArray in = view ? x.permute(3, 2, 1, 0).dup('c').permute(3, 2, 1, 0) : x;
      INDArray grad = view ? dy.permute(3, 2, 1, 0).dup('c').permute(3, 2, 1, 0) : dy;
      long before = layer.dnnl().passes();
      layer.setInput(in, mgr);
      INDArray y = layer.activate(true, mgr);
      INDArray dx = layer.backpropGradient(grad, mgr).getSecond();
      assertEquals(view ? before : before + 2, layer.dnnl().passes(), view ? "views: ND4J" : "dense: oneDNN");
      float[] xs = x.dup('c').data().asFloat();
      float[] dys = dy.dup('c').data().asFloat();
      float[] ys = y.dup('c').data().asFloat();
      float[] dxs = dx.dup('c').data().asFloat();
      for (int i = 0; i < xs.length; i++) {
        assertEquals(Math.max(xs[i], 0f), ys[i], 0f, "forward at " + i);
        assertEquals(xs[i] > 0 ? dys[i] : 0f, dxs[i], 0f, "backward at " + i);
      }
    }
  }
}
