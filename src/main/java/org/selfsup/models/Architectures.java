package org.selfsup.models;

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
      Architecture.of("resnet50v2", "ResNet50 v2, pre-activation bottlenecks", ResNetBuilder.V2));

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
