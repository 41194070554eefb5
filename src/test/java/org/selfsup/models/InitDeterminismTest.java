package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/** The random-trunk baseline is only a baseline if the same seed gives the same network. */
class InitDeterminismTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static ComputationGraph build(long seed) {
    TrainConfig cfg = new TrainConfig();
    cfg.seed = seed;
    return Models.classifier(Optimisation.base(cfg, 0.1), TrunkConfig.small("resnet50v2", 1, 28, 1, 1, 1), 4);
  }

  @Test
  void sameSeedSameParameters() {
    ComputationGraph a = build(0);
    Nd4j.getRandom().nextDouble(); // whatever else drew from the global generator in between
    ComputationGraph b = build(0);
    assertEquals(a.params(), b.params());
  }

  @Test
  void weightsKeepTheirDistribution() {
    ComputationGraph g = build(3);
    // Xavier uniform, as TF's default: the 3x3 root conv, 3 -> 16 channels, stride 1, has fan-in 27
    // and fan-out 144, so std sqrt(2 / 171).
    org.nd4j.linalg.api.ndarray.INDArray root = g.getLayer("root_conv").getParam("W");
    assertEquals(Math.sqrt(2.0 / 171), root.stdNumber().doubleValue(), 0.01);
    assertEquals(0, root.meanNumber().doubleValue(), 0.05);
    // Xavier uniform on the 256 -> 4 logits layer: |w| <= sqrt(6 / 260).
    org.nd4j.linalg.api.ndarray.INDArray logits = g.getLayer(Models.LOGITS).getParam("W");
    double limit = Math.sqrt(6.0 / 260);
    assertEquals(limit, logits.amaxNumber().doubleValue(), limit * 0.05);
  }

  @Test
  void otherSeedOtherParameters() {
    assertNotEquals(build(0).params(), build(1).params());
  }
}
