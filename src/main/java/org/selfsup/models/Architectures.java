package org.selfsup.models;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.selfsup.runtime.UserError;

/**
 * The registry of trunk architectures, by the names the paper's code uses: the one place that
 * names them. Adding an architecture is one entry in {@link #REGISTERED}.
 */
public final class Architectures {
  private static final List<Architecture> REGISTERED = List.of(
      Architecture.of("resnet50v1", "ResNet50 v1, post-activation bottlenecks", ResNetBuilder.V1)
          .withConfigCheck(ResNetBuilder::requireFinalRelu),
      Architecture.of("resnet50v2", "ResNet50 v2, pre-activation bottlenecks", ResNetBuilder.V2),
      Architecture.of("revnet50", "RevNet50, reversible pre-activation bottleneck blocks", RevNetBuilder::addTrunk),
      // no root conv: block s starts with a max-pool of stride stageStrides[s], so the ResNet variants apply as they are
      Architecture.of("vgg19_bn", "VGG19 with batch norm, fc6/fc7 as convolutions", VggBuilder::addTrunk)
          .withBlocksPerStage(VggBuilder.VGG19_CONVS_PER_BLOCK,
              "five positive convolution counts, one per block (e.g. 2,2,4,4,4)",
              blocks -> blocks.length == 5 && Arrays.stream(blocks).allMatch(n -> n >= 1))
          .withEvalEndpoints("pre_logits", "fc6", "block5"));

  private static final Map<String, Architecture> BY_NAME = REGISTERED.stream()
      .collect(Collectors.toMap(Architecture::name, a -> a, (a, b) -> {
        throw new IllegalStateException("architecture '" + a.name() + "' registered twice");
      }, LinkedHashMap::new));

  private Architectures() {}

  public static List<Architecture> all() {
    return REGISTERED;
  }

  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** The registration; unknown name → UserError("unknown architecture 'x'; valid: resnet50v1, ..."). */
  public static Architecture get(String name) {
    check(name);
    return BY_NAME.get(name);
  }

  public static Optional<Architecture> find(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
  }

  public static void check(String name) {
    if (name == null || !BY_NAME.containsKey(name)) {
      throw new UserError("unknown architecture '" + name + "'; valid: " + String.join(", ", BY_NAME.keySet()));
    }
  }

  /** "resnet50v1 (ResNet50 v1 ...), resnet50v2 (...)", for help texts. */
  public static String describe() {
    return REGISTERED.stream().map(a -> a.name() + " (" + a.summary() + ")").collect(Collectors.joining(", "));
  }
}
