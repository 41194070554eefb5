package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;

/**
 * The builder of the ResNet architectures ({@link Architectures}' resnet entries): adds the paper's
 * ResNet trunk (models/resnet.py, v1 or v2 bottlenecks) to a DL4J graph, up to {@code pre_logits}. Convolutions have no bias (all are followed by BN or feed a residual sum) and use
 * Glorot-uniform init (tf.layers default). Stride sits on the 3×3 conv. Padding is DL4J's Same mode
 * where the original pads explicitly ({@code fixed_padding}): same output sizes, but for even inputs a
 * strided conv/pool window is shifted by one pixel, and the max-pool ignores padding instead of seeing zeros.
 *
 * <p>Vertex names: {@code root_conv, root_bn, root_relu, root_pool}, {@code block<s>_unit<u>_<op>},
 * {@code final_bn, final_relu, pre_logits}, each prefixed with the caller's prefix.
 */
public final class ResNetBuilder implements Architecture.Builder {
  /** Post-activation bottlenecks (ResNet50 v1). */
  public static final ResNetBuilder V1 = new ResNetBuilder(false);
  /** Pre-activation bottlenecks (ResNet50 v2). */
  public static final ResNetBuilder V2 = new ResNetBuilder(true);

  private final boolean preActivation;

  private ResNetBuilder(boolean preActivation) {
    this.preActivation = preActivation;
  }

  @Override
  public LinkedHashMap<String, String> addTrunk(
      ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg, String prefix) {
    return new Trunk(b, cfg, prefix, preActivation).build(input);
  }

  /** As the original, which raises for v1 with last_relu=False: v1 blocks always end in a ReLU. */
  static void requireFinalRelu(TrunkConfig cfg) {
    if (!cfg.finalRelu) {
      throw new IllegalArgumentException("finalRelu=false is only meaningful for pre-activation (v2) bottlenecks");
    }
  }

  /** One trunk being added; holds the builder and the naming prefix. */
  private static final class Trunk extends TrunkLayers {
    private final boolean v2;

    Trunk(ComputationGraphConfiguration.GraphBuilder b, TrunkConfig cfg, String prefix, boolean v2) {
      super(b, cfg, prefix);
      this.v2 = v2;
    }

    LinkedHashMap<String, String> build(String input) {
      LinkedHashMap<String, String> endpoints = new LinkedHashMap<>();

      String x = conv("root_conv", input, cfg.rootKernel, cfg.rootStride, cfg.rootFilters());
      if (!v2) {
        x = relu("root_relu", bn("root_bn", x));
      }
      if (cfg.rootPool) {
        x = add("root_pool", new SubsamplingLayer.Builder(PoolingType.MAX)
            .kernelSize(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).build(), x);
      }
      endpoints.put("after_root", x);

      long channels = cfg.rootFilters();
      for (int s = 0; s < cfg.stages(); s++) {
        int width = cfg.stageWidth(s);
        for (int u = 0; u < cfg.blocksPerStage[s]; u++) {
          int stride = u == 0 ? cfg.stageStrides[s] : 1;
          boolean project = stride > 1 || channels != width;
          String name = "block" + (s + 1) + "_unit" + (u + 1) + "_";
          x = v2 ? bottleneckV2(name, x, width, stride, project) : bottleneckV1(name, x, width, stride, project);
          channels = width;
        }
        endpoints.put("block" + (s + 1), x);
      }

      if (v2) {
        x = bn("final_bn", x);
        if (cfg.finalRelu) {
          x = relu("final_relu", x);
        }
      }
      x = add("pre_logits", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), x);
      endpoints.put("pre_logits", x);
      return endpoints;
    }

    /** Post-activation: conv-BN-ReLU ×2, conv-BN, + shortcut (1×1 conv + BN if projected), ReLU (one vertex with the sum). */
    private String bottleneckV1(String name, String in, int width, int stride, boolean project) {
      String shortcut = in;
      if (project) {
        shortcut = bn(name + "proj_bn", conv(name + "proj", in, 1, stride, width));
      }
      String x = relu(name + "relu1", bn(name + "bn1", conv(name + "conv1", in, 1, 1, width / 4)));
      x = relu(name + "relu2", bn(name + "bn2", conv(name + "conv2", x, 3, stride, width / 4)));
      x = bn(name + "bn3", conv(name + "conv3", x, 1, 1, width));
      return sumRelu(name + "out", x, shortcut);
    }

    /** Pre-activation: BN-ReLU first; the projection (no BN) reads the pre-activated input, identity the raw one. */
    private String bottleneckV2(String name, String in, int width, int stride, boolean project) {
      String pre = relu(name + "relu0", bn(name + "bn0", in));
      String shortcut = project ? conv(name + "proj", pre, 1, stride, width) : in;
      String x = conv(name + "conv1", pre, 1, 1, width / 4);
      x = conv(name + "conv2", relu(name + "relu1", bn(name + "bn1", x)), 3, stride, width / 4);
      x = conv(name + "conv3", relu(name + "relu2", bn(name + "bn2", x)), 1, 1, width);
      return sum(name + "add", x, shortcut);
    }
  }
}
