package org.selfsup.models;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * Shape of a trunk (the paper's {@code resnet()} arguments; each {@link Architecture} reads the fields it has). Immutable; {@code withX} returns a copy.
 * Stage i (0-based) has {@code blocksPerStage[i]} bottleneck blocks of output width 64k·2^i, the first
 * with stride {@code stageStrides[i]}; the root conv has 16k filters.
 */
@JsonAutoDetect(fieldVisibility = JsonAutoDetect.Visibility.ANY,
    getterVisibility = JsonAutoDetect.Visibility.NONE,
    isGetterVisibility = JsonAutoDetect.Visibility.NONE)
public final class TrunkConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** tf.layers.batch_normalization defaults, which the paper's code uses. */
  public static final double DEFAULT_BN_DECAY = 0.99;
  public static final double DEFAULT_BN_EPSILON = 1e-3;

  public final String architecture;
  public final int filtersFactor;
  public final int[] blocksPerStage;
  public final int rootKernel;
  public final int rootStride;
  public final boolean rootPool;
  public final int[] stageStrides;
  /** v2 only: ReLU after the final BN (the original's {@code last_relu}); always true for v1. */
  public final boolean finalRelu;
  public final int inputHeight;
  public final int inputWidth;
  public final int inputChannels;
  /** Moving-average decay of BN's running mean/variance (DL4J's {@code decay}, TF's {@code momentum}). */
  public final double bnDecay;
  public final double bnEpsilon;

  @JsonCreator
  public TrunkConfig(
      @JsonProperty("architecture") String architecture,
      @JsonProperty("filtersFactor") int filtersFactor,
      @JsonProperty("blocksPerStage") int[] blocksPerStage,
      @JsonProperty("rootKernel") int rootKernel,
      @JsonProperty("rootStride") int rootStride,
      @JsonProperty("rootPool") boolean rootPool,
      @JsonProperty("stageStrides") int[] stageStrides,
      @JsonProperty("finalRelu") boolean finalRelu,
      @JsonProperty("inputHeight") int inputHeight,
      @JsonProperty("inputWidth") int inputWidth,
      @JsonProperty("inputChannels") int inputChannels,
      @JsonProperty("bnDecay") double bnDecay,
      @JsonProperty("bnEpsilon") double bnEpsilon) {
    Architectures.check(architecture);
    this.architecture = architecture;
    this.filtersFactor = filtersFactor;
    this.blocksPerStage = blocksPerStage.clone();
    this.rootKernel = rootKernel;
    this.rootStride = rootStride;
    this.rootPool = rootPool;
    this.stageStrides = stageStrides.clone();
    this.finalRelu = finalRelu;
    this.inputHeight = inputHeight;
    this.inputWidth = inputWidth;
    this.inputChannels = inputChannels;
    this.bnDecay = bnDecay;
    this.bnEpsilon = bnEpsilon;
    validate();
  }

  /** The architecture's standard (224 px) variant with its default blocks per stage (ResNet50: 7×7/2 root conv, 3×3/2 max-pool, blocks 3/4/6/3, stage strides 1/2/2/2). */
  public static TrunkConfig standard(String architecture, int filtersFactor, int inputSize) {
    Architecture a = Architectures.get(architecture);
    return a.standard(filtersFactor, inputSize, a.defaultBlocksPerStage());
  }

  /** The architecture's small-image variant (28–64 px; ResNet: 3×3/1 root conv, no pool, stage strides 1, 2, 2, ...). */
  public static TrunkConfig small(String architecture, int filtersFactor, int inputSize, int... blocksPerStage) {
    return Architectures.get(architecture).small(filtersFactor, inputSize, blocksPerStage);
  }

  /** Stride 1 for the first stage, 2 for the others (the original's stage layout). */
  public static int[] defaultStrides(int stages) {
    int[] s = new int[stages];
    Arrays.fill(s, 2);
    if (stages > 0) {
      s[0] = 1;
    }
    return s;
  }

  public int stages() {
    return blocksPerStage.length;
  }

  public int rootFilters() {
    return 16 * filtersFactor;
  }

  /** Output width of stage {@code i} (0-based); the bottleneck's inner width is a quarter of it. */
  public int stageWidth(int i) {
    return 64 * filtersFactor << i;
  }

  public TrunkConfig withArchitecture(String a) {
    return new TrunkConfig(a, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withFiltersFactor(int k) {
    return new TrunkConfig(architecture, k, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  /** Keeps the stage strides when the number of stages is unchanged, else resets them to {@link #defaultStrides}. */
  public TrunkConfig withBlocksPerStage(int... blocks) {
    int[] strides = blocks.length == stageStrides.length ? stageStrides : defaultStrides(blocks.length);
    return new TrunkConfig(architecture, filtersFactor, blocks, rootKernel, rootStride, rootPool, strides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withRootKernel(int kernel) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, kernel, rootStride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withRootStride(int stride) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, stride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withRootPool(boolean pool) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, pool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withStageStrides(int... strides) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, strides,
        finalRelu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withFinalRelu(boolean relu) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        relu, inputHeight, inputWidth, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withInputSize(int height, int width) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        finalRelu, height, width, inputChannels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withInputChannels(int channels) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, channels, bnDecay, bnEpsilon);
  }

  public TrunkConfig withBatchNorm(double decay, double epsilon) {
    return new TrunkConfig(architecture, filtersFactor, blocksPerStage, rootKernel, rootStride, rootPool, stageStrides,
        finalRelu, inputHeight, inputWidth, inputChannels, decay, epsilon);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static TrunkConfig fromJson(String json) {
    try {
      return JSON.readValue(json, TrunkConfig.class);
    } catch (JsonProcessingException e) {
      // The constructor's own IllegalArgumentException arrives wrapped; show it as is.
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IllegalArgumentException) {
          throw (IllegalArgumentException) t;
        }
      }
      throw new IllegalArgumentException("bad trunk config JSON: " + e.getOriginalMessage(), e);
    }
  }

  private void validate() {
    require(filtersFactor >= 1, "filtersFactor must be >= 1, got " + filtersFactor);
    require(blocksPerStage.length >= 1, "blocksPerStage must name at least one stage");
    for (int b : blocksPerStage) {
      require(b >= 1, "every stage needs at least one block: " + Arrays.toString(blocksPerStage));
    }
    require(stageStrides.length == blocksPerStage.length, "stageStrides " + Arrays.toString(stageStrides)
        + " must have one entry per stage of blocksPerStage " + Arrays.toString(blocksPerStage));
    for (int s : stageStrides) {
      require(s >= 1, "stage strides must be >= 1: " + Arrays.toString(stageStrides));
    }
    require(rootKernel >= 1 && rootStride >= 1, "rootKernel and rootStride must be >= 1");
    require(inputHeight >= 1 && inputWidth >= 1 && inputChannels >= 1, "input size must be positive");
    require(bnDecay > 0 && bnDecay < 1 && bnEpsilon > 0, "bnDecay must be in (0, 1) and bnEpsilon > 0");
    Architectures.get(architecture).checkConfig(this);
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof TrunkConfig)) {
      return false;
    }
    TrunkConfig c = (TrunkConfig) o;
    return architecture.equals(c.architecture) && filtersFactor == c.filtersFactor
        && Arrays.equals(blocksPerStage, c.blocksPerStage) && rootKernel == c.rootKernel
        && rootStride == c.rootStride && rootPool == c.rootPool && Arrays.equals(stageStrides, c.stageStrides)
        && finalRelu == c.finalRelu && inputHeight == c.inputHeight && inputWidth == c.inputWidth
        && inputChannels == c.inputChannels && bnDecay == c.bnDecay && bnEpsilon == c.bnEpsilon;
  }

  @Override
  public int hashCode() {
    return Objects.hash(architecture, filtersFactor, Arrays.hashCode(blocksPerStage), rootKernel, rootStride,
        rootPool, Arrays.hashCode(stageStrides), finalRelu, inputHeight, inputWidth, inputChannels, bnDecay,
        bnEpsilon);
  }

  @Override
  public String toString() {
    return toJson();
  }
}
