package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.serde.JsonMappers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;

class ReluActivationTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  @Test
  void forwardAndBackwardByHand() {
    INDArray x = Nd4j.createFromArray(-2f, 0f, 0.5f, 3f);
    INDArray dy = Nd4j.createFromArray(10f, 20f, 30f, 40f);
    assertEquals(Nd4j.createFromArray(0f, 0f, 0.5f, 3f), new ReluActivation().getActivation(x.dup(), true));
    // the derivative at exactly 0 is 0, as in DL4J's ReLU
    assertEquals(Nd4j.createFromArray(0f, 0f, 30f, 40f), new ReluActivation().backprop(x.dup(), dy).getFirst());
  }

  @Test
  void sameGradientAsDl4jsReluOnAFeatureMap() {
    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, 8, 6, 6).subi(0.5);
    INDArray dy = Nd4j.randn(DataType.FLOAT, 4, 8, 6, 6);
    assertEquals(new ActivationReLU().backprop(x.dup(), dy).getFirst(), new ReluActivation().backprop(x.dup(), dy).getFirst());
  }

  @Test
  void anActivationLayerKeepsItThroughJson() throws Exception {
    ActivationLayer layer = new ActivationLayer.Builder().activation(new ReluActivation()).build();
    String json = JsonMappers.getMapper().writeValueAsString(layer);
    ActivationLayer back = JsonMappers.getMapper().readValue(json, ActivationLayer.class);
    assertEquals(new ReluActivation(), back.getActivationFn());
  }
}
