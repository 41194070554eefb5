package org.selfsup.runtime;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/** Fails when DL4J falls back to its built-in (4-10x slower) layer implementations. */
class OneDnnTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  @Test
  void oneDnnIsReportedInUse() {
    assertTrue(Nd4jSetup.oneDnnInUse(), Nd4jSetup.describe());
  }

  @Test
  void convBatchNormAndPoolingPickTheOneDnnHelpers() {
    MultiLayerConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(1)
        .list()
        .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
        .layer(new BatchNormalization.Builder().build())
        .layer(new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
        .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build())
        .setInputType(InputType.convolutional(8, 8, 3))
        .build();
    MultiLayerNetwork net = new MultiLayerNetwork(conf);
    net.init();
    net.fit(Nd4j.rand(2, 3, 8, 8), Nd4j.createFromArray(new float[][] {{1, 0, 0}, {0, 1, 0}}));

    assertInstanceOf(MKLDNNConvHelper.class,
        ((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) net.getLayer(0)).getHelper());
    assertInstanceOf(MKLDNNBatchNormHelper.class,
        ((org.deeplearning4j.nn.layers.normalization.BatchNormalization) net.getLayer(1)).getHelper());
    assertInstanceOf(MKLDNNSubsamplingHelper.class,
        ((org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer) net.getLayer(2)).getHelper());
  }
}
