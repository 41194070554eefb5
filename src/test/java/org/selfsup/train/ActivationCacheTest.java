package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.Architectures;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;

/**
 * The trainer caches activations for the backward pass ({@link Optimisation#base}); the training
 * steps must be those of DL4J's default, which recomputes them: same parameters after the same
 * steps, on every architecture (their own layers and vertices included).
 */
class ActivationCacheTest {
  private static final int SIZE = 32;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  static java.util.List<String> architectures() {
    return Architectures.names();
  }

  private static ComputationGraph build(String arch, CacheMode cache) {
    int[] blocks = new int[Architectures.get(arch).defaultBlocksPerStage().length];
    java.util.Arrays.fill(blocks, 1);
    return Models.classifier(Optimisation.base(new TrainConfig(), 0.05, cache), TrunkConfig.small(arch, 1, SIZE, blocks), 4);
  }

  private static ComputationGraph train(String arch, CacheMode cache, INDArray x, INDArray y) {
    ComputationGraph g = build(arch, cache);
    for (int step = 0; step < 2; step++) {
      g.fit(new DataSet(x, y));
    }
    return g;
  }

  @ParameterizedTest
  @MethodSource("architectures")
  void cachedStepsAreDl4jDefaultSteps(String arch) {
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(new int[] {6, 3, SIZE, SIZE}).subi(0.5);
    INDArray y = Nd4j.zeros(6, 4);
    for (int i = 0; i < 6; i++) {
      y.putScalar(i, i % 4, 1);
    }
    ComputationGraph recomputed = train(arch, CacheMode.NONE, x, y);
    ComputationGraph cached = train(arch, CacheMode.DEVICE, x, y);
    ComputationGraph untrained = build(arch, CacheMode.NONE);
    assertNotEquals(untrained.params(), recomputed.params(), "the steps changed nothing");
    INDArray diff = cached.params().sub(recomputed.params());
    assertEquals(0.0, diff.amaxNumber().doubleValue(), 1e-5, arch + ": largest parameter difference");
  }
}
