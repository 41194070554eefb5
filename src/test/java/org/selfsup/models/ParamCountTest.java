package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.selfsup.runtime.Nd4jSetup;

/**
 * ResNet50 v1 at k=4 against torchvision's resnet50 (25,557,032 parameters with the 1000-way FC and BN
 * gamma/beta). DL4J also keeps BN's running mean and variance in the parameter vector; those are counted
 * apart.
 */
class ParamCountTest {
  private static final long TORCHVISION_RESNET50 = 25_557_032L;
  /** 1 root BN (64) + per block 2 inner BNs (w/4) + 1 outer (w) + one projection BN (w) per stage, w = 256·2^i. */
  private static final long RESNET50_BN_CHANNELS = 64
      + (3 * 6 * 64 + 4 * 64) + (4 * 6 * 128 + 4 * 128) + (6 * 6 * 256 + 4 * 256) + (3 * 6 * 512 + 4 * 512);
  private static final long FC_1000 = 2048L * 1000 + 1000;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  @Test
  void resnet50v1MatchesThePublishedCount() {
    assertEquals(26_560, RESNET50_BN_CHANNELS);
    assertEquals(TORCHVISION_RESNET50 - FC_1000 - 2 * RESNET50_BN_CHANNELS, convParams(4, 7, 3),
        "hand formula for conv weights agrees with torchvision");

    ComputationGraph graph = build(4);
    Counts c = count(graph);
    assertEquals(TORCHVISION_RESNET50, c.trainable);
    assertEquals(2 * RESNET50_BN_CHANNELS, c.bnRunningStats);
    assertEquals(25_610_152L, graph.numParams(), "25,557,032 + 53,120 running mean/variance");
    assertEquals(convParams(4, 7, 3), c.conv);
  }

  @Test
  void widthFactorScalesConvWeightsQuadraticallyExceptTheRootsInput() {
    long root4 = 7 * 7 * 3 * 64;
    long root1 = 7 * 7 * 3 * 16;
    // Every conv after the root has in and out channels proportional to k; the root's input is RGB.
    assertEquals((convParams(4, 7, 3) - root4) / 16, convParams(1, 7, 3) - root1);
    assertEquals(0, (convParams(4, 7, 3) - root4) % 16);
    assertEquals(1_467_696L, convParams(1, 7, 3));

    Counts c = count(build(1));
    assertEquals(convParams(1, 7, 3), c.conv);
    assertEquals(2 * RESNET50_BN_CHANNELS / 4, c.bnRunningStats);
    assertEquals(convParams(1, 7, 3) + 2 * RESNET50_BN_CHANNELS / 4 + 512L * 1000 + 1000, c.trainable);
  }

  private static ComputationGraph build(int k) {
    return Models.classifier(new NeuralNetConfiguration.Builder().seed(1),
        TrunkConfig.standard("resnet50v1", k, 224), 1000);
  }

  /** Conv weights of a ResNet50 trunk of width factor k, written out independently of TrunkBuilder. */
  private static long convParams(int k, int rootKernel, int inChannels) {
    int[] blocks = {3, 4, 6, 3};
    long total = (long) rootKernel * rootKernel * inChannels * 16 * k;
    long in = 16L * k;
    for (int s = 0; s < blocks.length; s++) {
      long w = 64L * k << s;
      long m = w / 4;
      for (int u = 0; u < blocks[s]; u++) {
        total += in * m + 9 * m * m + m * w;
        if (u == 0) {
          total += in * w;
        }
        in = w;
      }
    }
    return total;
  }

  private static final class Counts {
    long trainable;
    long bnRunningStats;
    long conv;
  }

  private static Counts count(ComputationGraph graph) {
    Counts c = new Counts();
    for (Layer layer : graph.getLayers()) {
      for (java.util.Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        long n = p.getValue().length();
        String key = p.getKey();
        boolean running = key.equals(BatchNormalizationParamInitializer.GLOBAL_MEAN)
            || key.equals(BatchNormalizationParamInitializer.GLOBAL_VAR)
            || key.equals(BatchNormalizationParamInitializer.GLOBAL_LOG_STD);
        if (running) {
          c.bnRunningStats += n;
        } else {
          c.trainable += n;
        }
        if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
          c.conv += n;
        }
      }
    }
    return c;
  }
}
