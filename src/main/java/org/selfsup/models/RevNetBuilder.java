package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * Adds the paper's RevNet50 trunk (models/resnet.py {@code revnet}) to a DL4J graph, up to {@code pre_logits}.
 *
 * <p>Root: one conv with 64k filters (4 × {@link TrunkConfig#rootFilters()}; it only projects RGB to the
 * first stage's channels, so no BN or ReLU follows it), then the 3×3/2 max-pool when {@code rootPool}.
 * Stage s has C = {@link TrunkConfig#stageWidth}(s) channels and {@code blocksPerStage[s]} reversible
 * blocks: the channels split into halves x1, x2; y1 = x1 + F(x2), y2 = x2 + G(y1); out = [y1, y2].
 * F and G are pre-activation (v2) bottlenecks of width C/2 (inner width C/8) without shortcut, stride 1.
 * A stage's stride is an average pool (window = stride, Same padding, padding not counted) before its first
 * block; every stage after the first then zero-pads the channels to double them, C/2 zeros on each side
 * as the original's {@code tf.pad} does. After the last stage: BN, ReLU if {@code finalRelu}, global
 * average pool. Activations are kept for backprop as in any DL4J graph (no recomputation).
 *
 * <p>Vertex names: {@code root_conv, root_pool}, {@code block<s>_unit<u>_<op>} with F's layers
 * {@code f_bn0 .. f_conv3} and G's {@code g_bn0 .. g_conv3}, {@code block<s>_pool, block<s>_pad_*},
 * {@code final_bn, final_relu, pre_logits}, each prefixed with the caller's prefix.
 */
public final class RevNetBuilder {
  private RevNetBuilder() {}

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

  /** Channels of the root conv: 64k. */
  public static int rootFilters(TrunkConfig cfg) {
    return 4 * cfg.rootFilters();
  }

  /**
   * Adds one reversible block on {@code in} (which has {@code channels} channels) named {@code name}; returns
   * the output vertex. Package-private for the invertibility test.
   */
  static String addBlock(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix, String name,
      String in, int channels) {
    return new Trunk(b, cfg, prefix).reversibleBlock(name, in, channels);
  }

  /** Adds F or G alone (a v2 bottleneck of {@code channels} in and out, no shortcut); returns its output vertex. */
  static String addResidualFunction(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix,
      String name, String in, int channels) {
    return new Trunk(b, cfg, prefix).residualFunction(name, in, channels);
  }

  /** Adds the channel doubling between stages on {@code in} ({@code channels} channels); for its gradient test. */
  static String addChannelDoubling(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix,
      String name, String in, int channels) {
    return new Trunk(b, cfg, prefix).doubleChannels(name, in, channels);
  }

  /** One trunk being added; holds the builder and the naming prefix. */
  private static final class Trunk extends TrunkLayers {

    Trunk(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix) {
      super(b, cfg, prefix);
    }

    LinkedHashMap<String, String> build(String input) {
      LinkedHashMap<String, String> endpoints = new LinkedHashMap<>();
      String x = conv("root_conv", input, cfg.rootKernel, cfg.rootStride, rootFilters(cfg));
      if (cfg.rootPool) {
        x = add("root_pool", new SubsamplingLayer.Builder(PoolingType.MAX)
            .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), x);
      }
      endpoints.put("after_root", x);

      int channels = rootFilters(cfg);
      for (int s = 0; s < cfg.stages(); s++) {
        String stage = "block" + (s + 1) + "_";
        if (cfg.stageStrides[s] > 1) {
          x = averagePool(stage + "pool", x, cfg.stageStrides[s]);
        }
        if (s > 0) {
          x = doubleChannels(stage + "pad_", x, channels);
          channels *= 2;
        }
        for (int u = 0; u < cfg.blocksPerStage[s]; u++) {
          x = reversibleBlock(stage + "unit" + (u + 1) + "_", x, channels);
        }
        endpoints.put("block" + (s + 1), x);
      }

      x = bn("final_bn", x);
      if (cfg.finalRelu) {
        x = relu("final_relu", x);
      }
      x = add("pre_logits", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
      endpoints.put("pre_logits", x);
      return endpoints;
    }

    /** y1 = x1 + F(x2), y2 = x2 + G(y1), out = [y1, y2]. */
    String reversibleBlock(String name, String in, int channels) {
      int half = channels / 2;
      String x1 = vertex(name + "x1", new ChannelSubsetVertex(0, half - 1), in);
      String x2 = vertex(name + "x2", new ChannelSubsetVertex(half, channels - 1), in);
      String y1 = sum(name + "y1", x1, residualFunction(name + "f_", x2, half));
      String y2 = sum(name + "y2", x2, residualFunction(name + "g_", y1, half));
      return vertex(name + "out", new MergeVertex(), y1, y2);
    }

    /** Pre-activation bottleneck without shortcut: (BN-ReLU-conv) × 3 with 1×1, 3×3, 1×1 kernels. */
    String residualFunction(String name, String in, int channels) {
      int inner = channels / 4;
      String x = conv(name + "conv1", relu(name + "relu0", bn(name + "bn0", in)), 1, 1, inner);
      x = conv(name + "conv2", relu(name + "relu1", bn(name + "bn1", x)), 3, 1, inner);
      return conv(name + "conv3", relu(name + "relu2", bn(name + "bn2", x)), 1, 1, channels);
    }

    private String averagePool(String name, String in, int stride) {
      return add(name, new SubsamplingLayer.Builder(PoolingType.AVG)
          .kernelSize(stride, stride).stride(stride, stride)
          .convolutionMode(ConvolutionMode.Same)
          .avgPoolIncludePadInDivisor(false)
          .build(), in);
    }

    /**
     * [zeros(C/2), x, zeros(C/2)]. The zeros are 0 × (the first C/2 channels of x): built from DL4J's own
     * vertices, so the graph stays serialisable, and their backward pass gives x a zero gradient.
     */
    String doubleChannels(String name, String in, int channels) {
      int half = channels / 2;
      String before = vertex(name + "zeros_before", new ScaleVertex(0.0),
          vertex(name + "half_before", new ChannelSubsetVertex(0, half - 1), in));
      String after = vertex(name + "zeros_after", new ScaleVertex(0.0),
          vertex(name + "half_after", new ChannelSubsetVertex(0, half - 1), in));
      return vertex(name + "merge", new MergeVertex(), before, in, after);
    }
  }
}
