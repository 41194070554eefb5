package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.runtime.Nd4jSetup;

/** VGG19 with batch norm: shapes, parameter counts, a training step. */
class VggBuilderTest {
  private static final String ARCH = "vgg19_bn";
  private static final int CLASSES = 5;
  private static final TrunkTestGraphs.Trunk VGG = VggBuilder::addTrunk;

  /** torchvision's vgg19_bn: 143,678,248 parameters (convs with bias, BN gamma/beta, fc6/fc7/fc8 dense with bias). */
  private static final long TORCHVISION_VGG19_BN = 143_678_248L;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static TrunkConfig vgg19(int k, int inputSize) {
    return TrunkConfig.small(ARCH, k, inputSize, VggBuilder.VGG19_CONVS_PER_BLOCK);
  }

  @Test
  void vgg19AtWidth8MatchesTorchvisionUpToBiasesAndFcBatchNorm() {
    // 3x3 conv weights, block by block: 3->64, 64->64 | 64->128, 128->128 | 128->256, 3x 256->256 |
    // 256->512, 3x 512->512 | 4x 512->512
    long conv3x3 = 9L * (3 * 64 + 64 * 64 + 64 * 128 + 128 * 128 + 128 * 256 + 3 * 256 * 256
        + 256 * 512 + 3 * 512 * 512 + 4 * 512 * 512);
    assertEquals(20_018_880L, conv3x3);
    long convBnChannels = 2 * 64 + 2 * 128 + 4 * 256 + 8 * 512;
    long fc6 = 7L * 7 * 512 * 4096; // fc6 as a 7x7 conv over the 7x7 map left at 224 px
    long fc7 = 4096L * 4096;
    long logits = 4096L * 1000 + 1000; // the head's dense layer, with bias
    // torchvision has biases on the 16 convs and on fc6/fc7, and no BN on fc6/fc7; we have the opposite.
    long ours = TORCHVISION_VGG19_BN - convBnChannels - 2 * 4096 + 2 * (2 * 4096);
    assertEquals(ours, conv3x3 + fc6 + fc7 + 2 * (convBnChannels + 2 * 4096) + logits,
        "hand count agrees with torchvision's total");
    assertEquals(143_680_936L, ours);

    TrunkTestGraphs.Counts c = TrunkTestGraphs.count(TrunkTestGraphs.configuration(VGG, vgg19(8, 224), 1000));
    assertEquals(conv3x3 + fc6 + fc7, c.conv);
    assertEquals(convBnChannels + 2 * 4096, c.bnChannels);
    assertEquals(ours, c.trainable);
    assertArrayEquals(new int[] {7, 7}, VggBuilder.fc6Kernel(vgg19(8, 224)));
  }

  @Test
  void widthFactorScalesEveryLayerButTheFirstQuadratically() {
    // k=1 at 32 px: widths 8, 16, 32, 64, 64, fc 512; fc6 is 1x1 (32 / 2^5).
    long conv3x3 = 9L * (3 * 8 + 8 * 8 + 8 * 16 + 16 * 16 + 16 * 32 + 3 * 32 * 32 + 32 * 64 + 3 * 64 * 64
        + 4 * 64 * 64);
    long fc = 64L * 512 + 512L * 512;
    ComputationGraph graph = TrunkTestGraphs.classifier(VGG, vgg19(1, 32), CLASSES);
    TrunkTestGraphs.Counts c = TrunkTestGraphs.count(graph.getConfiguration());
    assertEquals(conv3x3 + fc, c.conv);
    long k8 = TrunkTestGraphs.count(TrunkTestGraphs.configuration(VGG, vgg19(8, 32), CLASSES)).conv;
    assertEquals(64 * (conv3x3 + fc - 9 * 3 * 8), k8 - 9 * 3 * 64, "all but the RGB conv grow by 8^2");
    assertEquals(c.trainable + c.bnRunningStats, graph.numParams(), "the configuration count is what is allocated");
  }

  @Test
  void smallInputAt32() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 32, 1, 1, 1, 1, 1);
    TrunkTestGraphs.checkEndpoints(VGG, cfg, CLASSES, shapesK1(32, 16, 8, 4, 2));
  }

  @Test
  void oddSizesRoundUpAt28() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 28, 1, 1, 1, 1, 1);
    assertArrayEquals(new int[] {1, 1}, VggBuilder.fc6Kernel(cfg));
    TrunkTestGraphs.checkEndpoints(VGG, cfg, CLASSES, shapesK1(28, 14, 7, 4, 2));
  }

  @Test
  void standardAt224WithOneConvPerBlock() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 224, 1, 1, 1, 1, 1);
    assertArrayEquals(new int[] {7, 7}, VggBuilder.fc6Kernel(cfg));
    TrunkTestGraphs.checkEndpoints(VGG, cfg, CLASSES, shapesK1(224, 112, 56, 28, 14));
  }

  @Test
  void patchVariantKeepsTheLastBlockAtFullSize() {
    TrunkConfig cfg = PatchModel.patchTrunk(TrunkConfig.small(ARCH, 1, 64, 1, 1, 1, 1, 1), 64);
    // pools before blocks 2..5: 2, 2, 2, 1; then the 2x2/2 pool before fc6: 64 -> 4, so fc6 is 4x4.
    assertArrayEquals(new int[] {4, 4}, VggBuilder.fc6Kernel(cfg));
    TrunkTestGraphs.checkEndpoints(VGG, cfg, CLASSES, shapesK1(64, 32, 16, 8, 8));
  }

  @Test
  void oneTrainingStepPerVariant() {
    TrunkTestGraphs.checkTrainingStep(VGG, TrunkConfig.small(ARCH, 1, 32, 1, 1, 1, 1, 1), CLASSES);
    TrunkTestGraphs.checkTrainingStep(VGG, TrunkConfig.small(ARCH, 1, 28, 2, 2, 4, 4, 4), CLASSES);
    TrunkTestGraphs.checkTrainingStep(VGG,
        PatchModel.patchTrunk(TrunkConfig.small(ARCH, 1, 64, 1, 1, 1, 1, 1), 64), CLASSES);
  }

  /** The endpoint shapes of a batch of 2 at k=1 (widths 8, 16, 32, 64, 64; fc6/fc7 512), given each block's side. */
  private static Map<String, long[]> shapesK1(long b1, long b2, long b3, long b4, long b5) {
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("block1", new long[] {2, 8, b1, b1});
    expected.put("block2", new long[] {2, 16, b2, b2});
    expected.put("block3", new long[] {2, 32, b3, b3});
    expected.put("block4", new long[] {2, 64, b4, b4});
    expected.put("block5", new long[] {2, 64, b5, b5});
    expected.put("fc6", new long[] {2, 512, 1, 1});
    expected.put("pre_logits", new long[] {2, 512});
    expected.put("logits", new long[] {2, CLASSES});
    return expected;
  }
}
