package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

class RowwiseBatchNormalizationTest {
  private static final String DL4J_BN = org.deeplearning4j.nn.conf.layers.BatchNormalization.class.getName();

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static NeuralNetConfiguration.Builder base() {
    return Optimisation.base(new TrainConfig(), 0.05).dataType(DataType.DOUBLE);
  }

  /** The same network with DL4J's own BatchNormalization layers: our layer's JSON under DL4J's class name. */
  private static ComputationGraph withDl4jBatchNorm(ComputationGraphConfiguration conf) {
    String json = conf.toJson();
    assertTrue(json.contains(RowwiseBatchNormalization.class.getName()));
    ComputationGraph g = new ComputationGraph(
        ComputationGraphConfiguration.fromJson(json.replace(RowwiseBatchNormalization.class.getName(), DL4J_BN)));
    g.init();
    return g;
  }

  /** Layers with our helpers: these double-precision networks go from the oneDNN 3 one to the row-wise one. */
  private static int rowwiseHelpers(ComputationGraph g) {
    int n = 0;
    for (Layer layer : g.getLayers()) {
      Object helper = layer.getHelper();
      if (layer instanceof BatchNormalization
          && (helper instanceof RowwiseBatchNormHelper || helper instanceof DnnlBatchNormHelper)) {
        n++;
      }
    }
    return n;
  }

  private static void assertSameTraining(ComputationGraph ours, ComputationGraph dl4j, INDArray x, INDArray y) {
    dl4j.setParams(ours.params().dup());
    for (ComputationGraph g : new ComputationGraph[] {ours, dl4j}) {
      g.setInputs(x);
      g.setLabels(y);
      g.computeGradientAndScore();
    }
    assertEquals(dl4j.score(), ours.score(), 1e-12);
    INDArray difference = ours.gradient().gradient().sub(dl4j.gradient().gradient());
    assertTrue(difference.amaxNumber().doubleValue() < 1e-9, "largest gradient difference " + difference.amaxNumber());
    // one SGD step: the running statistics come from the helper's batch mean and variance
    ours.fit(new DataSet(x, y));
    dl4j.fit(new DataSet(x, y));
    assertTrue(ours.params().sub(dl4j.params()).amaxNumber().doubleValue() < 1e-9);
    assertTrue(ours.outputSingle(false, x).sub(dl4j.outputSingle(false, x)).amaxNumber().doubleValue() < 1e-9);
  }

  @Test
  void trainsTheTrunkExactlyAsDl4jsBatchNormalization() {
    TrunkConfig trunk = TrunkConfig.small("resnet50v2", 1, 12, 1, 1).withBatchNorm(0.9, 1e-3);
    ComputationGraphConfiguration conf = Models.configuration(base(), trunk, 4, Activation.SOFTMAX, new LossMCXENT());
    ComputationGraph ours = new ComputationGraph(conf);
    ours.init();
    ComputationGraph dl4j = withDl4jBatchNorm(conf);
    assertEquals(7, rowwiseHelpers(ours)); // bn0, bn1, bn2 of two blocks and final_bn
    assertEquals(0, rowwiseHelpers(dl4j));
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 6, 3, 12, 12).muli(4).subi(1);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 4);
    for (int i = 0; i < 6; i++) {
      y.putScalar(i, i % 4, 1);
    }
    assertSameTraining(ours, dl4j, x, y);
  }

  @Test
  void batchNormalisationAfterADenseLayerMatchesDl4js() {
    ComputationGraphConfiguration conf = base().graphBuilder()
        .addInputs("in").setInputTypes(InputType.feedForward(5))
        .addLayer("dense", new DenseLayer.Builder().nOut(7).build(), "in")
        .addLayer("bn", RowwiseBatchNormalization.of(0.9, 1e-3), "dense")
        .addLayer("out", new OutputLayer.Builder().nOut(3).activation(Activation.SOFTMAX)
            .lossFunction(new LossMCXENT()).build(), "bn")
        .setOutputs("out").build();
    ComputationGraph ours = new ComputationGraph(conf);
    ours.init();
    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.rand(DataType.DOUBLE, 8, 5);
    INDArray y = Nd4j.zeros(DataType.DOUBLE, 8, 3);
    for (int i = 0; i < 8; i++) {
      y.putScalar(i, i % 3, 1);
    }
    assertSameTraining(ours, withDl4jBatchNorm(conf), x, y);
  }

  @Test
  void normalisesEachChannelByItsBatchStatistics() {
    // one channel, 2 examples of 1x2 pixels: 1, 3 | 5, 7 -> mean 4, biased variance (9+1+1+9)/4 = 5
    ComputationGraphConfiguration conf = base().graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(1, 2, 1))
        .addLayer("bn", RowwiseBatchNormalization.of(0.9, 1e-3), "in")
        .setOutputs("bn").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    assertEquals(1, rowwiseHelpers(g));
    INDArray x = Nd4j.createFromArray(new double[] {1, 3, 5, 7}).reshape(2, 1, 1, 2);
    INDArray y = g.feedForward(x, true).get("bn");
    double sd = Math.sqrt(5 + 1e-3);
    double[] expected = {-3 / sd, -1 / sd, 1 / sd, 3 / sd};
    for (int i = 0; i < 4; i++) {
      assertEquals(expected[i], y.getDouble(i), 1e-12);
    }
    // inference mode uses the running statistics, initially mean 0 and variance 1
    INDArray z = g.feedForward(x, false).get("bn");
    assertEquals(7 / Math.sqrt(1 + 1e-3), z.getDouble(3), 1e-9);
  }

  @Test
  void aNetworkBuiltFromItsJsonKeepsTheHelper() {
    TrunkConfig trunk = TrunkConfig.small("resnet50v1", 1, 12, 1, 1);
    ComputationGraphConfiguration conf = Models.configuration(base(), trunk, 4, Activation.SOFTMAX, new LossMCXENT());
    ComputationGraph rebuilt = new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
    rebuilt.init();
    int layers = 0;
    for (Layer layer : rebuilt.getLayers()) {
      if (layer instanceof BatchNormalization) {
        layers++;
        assertTrue(layer.conf().getLayer() instanceof RowwiseBatchNormalization);
      }
    }
    assertEquals(layers, rowwiseHelpers(rebuilt));
    assertFalse(layers == 0);
  }
}
