package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

class BatchNormCalibrationTest {

  @Test
  void runningStatisticsBecomeTheBatchsAndNothingElseChanges() {
    ComputationGraph net = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).updater(new Sgd(0.1))
        .graphBuilder()
        .addInputs("in")
        .addLayer("bn", new BatchNormalization.Builder().nIn(3).nOut(3).decay(0.9).build(), "in")
        .addLayer("out", new OutputLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
            .nIn(3).nOut(2).build(), "bn")
        .setOutputs("out")
        .build());
    net.init();
    Nd4j.getRandom().setSeed(7);
    INDArray features = Nd4j.randn(DataType.FLOAT, 256, 3).mulRowVector(Nd4j.createFromArray(2f, 0.5f, 10f))
        .addiRowVector(Nd4j.createFromArray(3f, -1f, 40f));
    INDArray weightsBefore = net.getParam("out_W").dup();

    new BatchNormCalibration(new DataSet(features, Nd4j.rand(DataType.FLOAT, 256, 2))).apply(net);

    INDArray mean = features.mean(0);
    INDArray var = features.var(false, 0);
    INDArray log10Std = net.getParam("bn_log10stdev");
    for (int c = 0; c < 3; c++) {
      // what is left of the old estimates (0 and 1) is 1e-3 of them
      assertEquals(0.999 * mean.getDouble(c), net.getParam("bn_mean").getDouble(c), 1e-3 * Math.abs(mean.getDouble(c)));
      assertEquals(0.5 * Math.log10(0.001 + 0.999 * var.getDouble(c)), log10Std.getDouble(c), 1e-4);
    }
    assertEquals(weightsBefore, net.getParam("out_W"));
    assertEquals(0.9, ((BatchNormalization) net.getLayer("bn").conf().getLayer()).getDecay(), 0.0);
  }
}
