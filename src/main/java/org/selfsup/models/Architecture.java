package org.selfsup.models;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.selfsup.runtime.UserError;

/**
 * One trunk architecture, everything about it in one registration ({@link Architectures}' list):
 * its name, its builder, its shape variants (standard, small input, patch), its default blocks per
 * stage and their rule, the endpoints evaluation probes by default, and any check of a
 * {@link TrunkConfig} only it needs. Immutable; the {@code withX} methods return a copy.
 */
public final class Architecture {
  /** Adds the trunk up to {@code pre_logits} (excluding logits) to a graph; returns endpoint name → vertex name, in order. */
  @FunctionalInterface
  public interface Builder {
    LinkedHashMap<String, String> addTrunk(ComputationGraphConfiguration.GraphBuilder b, String input,
        TrunkConfig cfg, String prefix);
  }

  /** How the three input variants of an architecture are laid out. */
  public interface Variants {
    /** ImageNet-size input (224 px): the architecture as published. */
    TrunkConfig standard(String architecture, int filtersFactor, int inputSize, int[] blocksPerStage);

    /** Small images (28–64 px): no early down-sampling. */
    TrunkConfig small(String architecture, int filtersFactor, int inputSize, int[] blocksPerStage);

    /** The trunk of the patch tasks, run on one {@code patchSize} px patch. */
    TrunkConfig patch(TrunkConfig cfg, int patchSize);
  }

  /**
   * The ResNet layout: standard = 7×7/2 root conv, 3×3/2 max-pool, stage strides 1, 2, 2, 2; small =
   * 3×3/1 root conv, no pool, stage strides 1, 2, 2, ...; patch = stride-1 root and stride-1 last stage
   * (method spec: stage strides 2, 2, 1 after the first).
   */
  public static final Variants ROOT_AND_STAGES = new Variants() {
    @Override
    public TrunkConfig standard(String architecture, int filtersFactor, int inputSize, int[] blocksPerStage) {
      return new TrunkConfig(architecture, filtersFactor, blocksPerStage, 7, 2, true,
          TrunkConfig.defaultStrides(blocksPerStage.length), true, inputSize, inputSize, 3, TrunkConfig.DEFAULT_BN_DECAY, TrunkConfig.DEFAULT_BN_EPSILON);
    }

    @Override
    public TrunkConfig small(String architecture, int filtersFactor, int inputSize, int[] blocksPerStage) {
      return new TrunkConfig(architecture, filtersFactor, blocksPerStage, 3, 1, false,
          TrunkConfig.defaultStrides(blocksPerStage.length), true, inputSize, inputSize, 3,
          TrunkConfig.DEFAULT_BN_DECAY, TrunkConfig.DEFAULT_BN_EPSILON);
    }

    @Override
    public TrunkConfig patch(TrunkConfig cfg, int patchSize) {
      int[] strides = cfg.stageStrides.clone();
      strides[strides.length - 1] = 1;
      return cfg.withRootStride(1).withStageStrides(strides).withInputSize(patchSize, patchSize);
    }
  };

  private final String name;
  private final String summary;
  private final Builder builder;
  private final Variants variants;
  private final int[] defaultBlocksPerStage;
  private final String blocksRule;
  private final Predicate<int[]> blocksValid;
  private final List<String> evalEndpoints;
  private final Consumer<TrunkConfig> configCheck;

  private Architecture(String name, String summary, Builder builder, Variants variants, int[] defaultBlocksPerStage,
      String blocksRule, Predicate<int[]> blocksValid, List<String> evalEndpoints, Consumer<TrunkConfig> configCheck) {
    this.name = name;
    this.summary = summary;
    this.builder = builder;
    this.variants = variants;
    this.defaultBlocksPerStage = defaultBlocksPerStage.clone();
    this.blocksRule = blocksRule;
    this.blocksValid = blocksValid;
    this.evalEndpoints = List.copyOf(evalEndpoints);
    this.configCheck = configCheck;
  }

  /**
   * A registration with the ResNet defaults, each replaceable with a {@code withX}: the {@link
   * #ROOT_AND_STAGES} variants, blocks 3, 4, 6, 3 (any positive counts), evaluation at
   * {@code pre_logits, block3, block4}, no extra check.
   */
  public static Architecture of(String name, String summary, Builder builder) {
    return new Architecture(name, summary, builder, ROOT_AND_STAGES, new int[] {3, 4, 6, 3},
        "one or more positive block counts, one per stage (e.g. 3,4,6,3)",
        blocks -> blocks.length >= 1 && Arrays.stream(blocks).allMatch(n -> n >= 1),
        List.of("pre_logits", "block3", "block4"), cfg -> {});
  }

  public Architecture withVariants(Variants v) {
    return new Architecture(name, summary, builder, v, defaultBlocksPerStage, blocksRule, blocksValid, evalEndpoints,
        configCheck);
  }

  /** The default blocks per stage, and which lists are valid ({@code rule} completes "--blocks_per_stage must be ..."). */
  public Architecture withBlocksPerStage(int[] defaults, String rule, Predicate<int[]> valid) {
    return new Architecture(name, summary, builder, variants, defaults, rule, valid, evalEndpoints, configCheck);
  }

  /** The endpoints evaluation probes when --endpoints is left out (the paper's, for this architecture). */
  public Architecture withEvalEndpoints(String... endpoints) {
    return new Architecture(name, summary, builder, variants, defaultBlocksPerStage, blocksRule, blocksValid,
        List.of(endpoints), configCheck);
  }

  /** A check of a whole {@link TrunkConfig} of this architecture; throws IllegalArgumentException. */
  public Architecture withConfigCheck(Consumer<TrunkConfig> check) {
    return new Architecture(name, summary, builder, variants, defaultBlocksPerStage, blocksRule, blocksValid,
        evalEndpoints, check);
  }

  public String name() {
    return name;
  }

  /** One line for help texts. */
  public String summary() {
    return summary;
  }

  public Builder builder() {
    return builder;
  }

  public int[] defaultBlocksPerStage() {
    return defaultBlocksPerStage.clone();
  }

  public List<String> evalEndpoints() {
    return evalEndpoints;
  }

  /** Throws the one-line {@link UserError} naming --blocks_per_stage unless {@code blocks} suits this architecture. */
  public void checkBlocksPerStage(int[] blocks) {
    UserError.require(blocks != null && blocksValid.test(blocks), "--blocks_per_stage must be " + blocksRule + ", not " + (blocks == null ? "none" : join(blocks)));
  }

  void checkConfig(TrunkConfig cfg) {
    configCheck.accept(cfg);
  }

  /** The standard (224 px) variant with the given blocks. */
  public TrunkConfig standard(int filtersFactor, int inputSize, int[] blocksPerStage) {
    return variants.standard(name, filtersFactor, inputSize, blocksPerStage);
  }

  /** The small-input (28–64 px) variant. */
  public TrunkConfig small(int filtersFactor, int inputSize, int[] blocksPerStage) {
    return variants.small(name, filtersFactor, inputSize, blocksPerStage);
  }

  /** The patch variant of {@code cfg} (which is of this architecture), for {@code patchSize} px patches. */
  public TrunkConfig patch(TrunkConfig cfg, int patchSize) {
    return variants.patch(cfg, patchSize);
  }

  /** Endpoint name → vertex name of the trunk of {@code cfg} (up to pre_logits). */
  public LinkedHashMap<String, String> endpoints(TrunkConfig cfg) {
    return builder.addTrunk(new NeuralNetConfiguration.Builder().graphBuilder().addInputs("input"), "input", cfg, "");
  }

  /** Endpoint name → activation shape of one example ([C, H, W] or [C]) for the trunk of {@code cfg}. */
  public Map<String, long[]> endpointShapes(TrunkConfig cfg) {
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("input")
        .setInputTypes(InputType.convolutional(cfg.inputHeight, cfg.inputWidth, cfg.inputChannels));
    LinkedHashMap<String, String> endpoints = builder.addTrunk(b, "input", cfg, "");
    b.setOutputs(endpoints.get("pre_logits"));
    Map<String, InputType> types = b.build().getLayerActivationTypes(
        InputType.convolutional(cfg.inputHeight, cfg.inputWidth, cfg.inputChannels));
    Map<String, long[]> shapes = new LinkedHashMap<>();
    endpoints.forEach((endpoint, vertex) -> {
      long[] shape = types.get(vertex).getShape(false);
      shapes.put(endpoint, shape);
    });
    return shapes;
  }

  private static String join(int[] values) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
  }

  @Override
  public String toString() {
    return name;
  }
}
