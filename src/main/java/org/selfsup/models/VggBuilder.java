package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * Adds the paper's VGG19 with batch norm (models/vggnet.py {@code vgg19}) to a DL4J graph, up to
 * {@code pre_logits}. Every conv is conv (no bias) - BN - ReLU.
 *
 * <p>Block s (0-based) has {@code blocksPerStage[s]} 3×3 convs of width 8k·2^min(s, 3) (VGG19: 2, 2, 4, 4, 4
 * convs of 8k, 16k, 32k, 64k, 64k; k=8 is the standard VGG, 64..512). VGG has no root, so
 * {@code rootKernel}, {@code rootStride} and {@code rootPool} are not read; instead block s starts with a
 * max-pool of window and stride {@code stageStrides[s]} (none when 1; the standard is 1, 2, 2, 2, 2), and a
 * 2×2/2 max-pool follows the last block (the original's fifth pool). Pools use Same padding, so odd sizes
 * round up (28 px: 14, 7, 4, 2, 1) where TF's valid pooling would round down.
 *
 * <p>fc6 and fc7 are convolutions with 512k channels, BN and ReLU, no dropout: fc6's kernel is the whole
 * remaining map (7×7 at 224 px, 1×1 at 32 px), valid padding, so its output is 1×1; fc7 is 1×1.
 * {@code pre_logits} is fc7's output flattened to [N, 512k]; the task head adds {@code logits}.
 *
 * <p>Vertex names: {@code block<s>_pool, block<s>_conv<c>, block<s>_bn<c>, block<s>_relu<c>, final_pool,
 * fc6, fc6_bn, fc6_relu, fc7, fc7_bn, fc7_relu, pre_logits}, each prefixed with the caller's prefix.
 */
public final class VggBuilder {
  private VggBuilder() {}

  /** The original's block layout: convs per block of VGG19. */
  public static final int[] VGG19_CONVS_PER_BLOCK = {2, 2, 4, 4, 4};
  /** The original's pools: none before block 1, 2×2/2 before each other block. */
  public static final int[] VGG19_STAGE_STRIDES = {1, 2, 2, 2, 2};

  /** Adds the trunk (up to pre_logits, excluding logits) reading from vertex `input`; returns endpoint name -> vertex name (ordered). */
  public static LinkedHashMap<String, String> addTrunk(
      ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg) {
    return addTrunk(b, input, cfg, "");
  }

  /** As {@link #addTrunk(ComputationGraphConfiguration.GraphBuilder, String, TrunkConfig)}, with every vertex name prefixed. */
  public static LinkedHashMap<String, String> addTrunk(
      ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg, String prefix) {
    return new Trunk(b, cfg, prefix).build(input);
  }

  /** Width of block {@code s} (0-based): 8k, 16k, 32k, 64k, then 64k for every further block. */
  public static int blockWidth(TrunkConfig cfg, int s) {
    return 8 * cfg.filtersFactor << Math.min(s, 3);
  }

  /** Channels of fc6 and fc7: 512k. */
  public static int fcWidth(TrunkConfig cfg) {
    return 512 * cfg.filtersFactor;
  }

  /** fc6's kernel {height, width}: the map left after every pool (each rounds up, as Same padding does). */
  public static int[] fc6Kernel(TrunkConfig cfg) {
    int h = cfg.inputHeight;
    int w = cfg.inputWidth;
    for (int s = 0; s <= cfg.stages(); s++) {
      int stride = s < cfg.stages() ? cfg.stageStrides[s] : 2;
      h = ceilDiv(h, stride);
      w = ceilDiv(w, stride);
    }
    return new int[] {h, w};
  }

  private static int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
  }

  /** One trunk being added; holds the builder and the naming prefix. */
  private static final class Trunk extends TrunkLayers {

    Trunk(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix) {
      super(b, cfg, prefix);
    }

    LinkedHashMap<String, String> build(String input) {
      LinkedHashMap<String, String> endpoints = new LinkedHashMap<>();
      String x = input;
      for (int s = 0; s < cfg.stages(); s++) {
        String name = "block" + (s + 1) + "_";
        if (cfg.stageStrides[s] > 1) {
          x = maxPool(name + "pool", x, cfg.stageStrides[s]);
        }
        for (int c = 0; c < cfg.blocksPerStage[s]; c++) {
          String conv = conv(name + "conv" + (c + 1), x, 3, 3, 1, ConvolutionMode.Same, blockWidth(cfg, s));
          x = relu(name + "relu" + (c + 1), bn(name + "bn" + (c + 1), conv));
        }
        endpoints.put("block" + (s + 1), x);
      }
      x = maxPool("final_pool", x, 2);

      int[] kernel = fc6Kernel(cfg);
      x = relu("fc6_relu", bn("fc6_bn", conv("fc6", x, kernel[0], kernel[1], 1, ConvolutionMode.Truncate, fcWidth(cfg))));
      endpoints.put("fc6", x);
      x = relu("fc7_relu", bn("fc7_bn", conv("fc7", x, 1, 1, 1, ConvolutionMode.Truncate, fcWidth(cfg))));
      // fc7's map is 1×1: averaging it only drops the spatial axes.
      x = add("pre_logits", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
      endpoints.put("pre_logits", x);
      return endpoints;
    }

    private String maxPool(String name, String in, int stride) {
      return add(name, new SubsamplingLayer.Builder(PoolingType.MAX)
          .kernelSize(stride, stride).stride(stride, stride).convolutionMode(ConvolutionMode.Same).build(), in);
    }
  }
}
