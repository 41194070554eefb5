package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;

class EndpointShapesTest {
  private static final int CLASSES = 5;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2"})
  void smallVariantAt32(String arch) {
    TrunkConfig cfg = TrunkConfig.small(arch, 1, 32, 1, 1, 1);
    // 3x3/1 root, no pool: 32 px stays 32; stages 1, 2, 3 have strides 1, 2, 2.
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 16, 32, 32});
    expected.put("block1", new long[] {2, 64, 32, 32});
    expected.put("block2", new long[] {2, 128, 16, 16});
    expected.put("block3", new long[] {2, 256, 8, 8});
    expected.put("pre_logits", new long[] {2, 256});
    expected.put("logits", new long[] {2, CLASSES});
    check(cfg, expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2"})
  void standardRootWithFourShortStagesAt64(String arch) {
    TrunkConfig cfg = TrunkConfig.standard(arch, 1, 64).withBlocksPerStage(2, 2, 2, 2);
    // 7x7/2 root: 64 -> 32; 3x3/2 pool: -> 16; then strides 1, 2, 2, 2.
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 16, 16, 16});
    expected.put("block1", new long[] {2, 64, 16, 16});
    expected.put("block2", new long[] {2, 128, 8, 8});
    expected.put("block3", new long[] {2, 256, 4, 4});
    expected.put("block4", new long[] {2, 512, 2, 2});
    expected.put("pre_logits", new long[] {2, 512});
    expected.put("logits", new long[] {2, CLASSES});
    check(cfg, expected);
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2"})
  void patchStyleStridesKeepTheLastStageAtFullSize(String arch) {
    TrunkConfig cfg = TrunkConfig.small(arch, 1, 32, 1, 1, 1).withStageStrides(2, 2, 1);
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 16, 32, 32});
    expected.put("block1", new long[] {2, 64, 16, 16});
    expected.put("block2", new long[] {2, 128, 8, 8});
    expected.put("block3", new long[] {2, 256, 8, 8});
    expected.put("pre_logits", new long[] {2, 256});
    expected.put("logits", new long[] {2, CLASSES});
    check(cfg, expected);
  }

  private static void check(TrunkConfig cfg, Map<String, long[]> expected) {
    LinkedHashMap<String, String> endpoints = Models.endpoints(cfg, CLASSES);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(endpoints.keySet()), "endpoint names, in order");
    assertFalse(endpoints.containsKey("block" + (cfg.stages() + 1)));

    ComputationGraph graph = Models.classifier(new NeuralNetConfiguration.Builder().seed(1), cfg, CLASSES);
    INDArray x = Nd4j.rand(new int[] {2, 3, cfg.inputHeight, cfg.inputWidth});
    Map<String, INDArray> acts = graph.feedForward(x, false);
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      INDArray a = acts.get(endpoints.get(e.getKey()));
      assertNotNull(a, e.getKey() + " -> " + endpoints.get(e.getKey()));
      assertArrayEquals(e.getValue(), a.shape(), e.getKey());
    }
    assertArrayEquals(new long[] {2, CLASSES}, acts.get(Models.OUTPUT).shape());
  }
}
