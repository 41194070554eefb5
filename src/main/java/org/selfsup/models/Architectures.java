package org.selfsup.models;

import java.util.List;
import org.selfsup.runtime.UserError;

/** The trunk architectures this package builds, by the names the paper's code uses. */
public final class Architectures {
  public static final String RESNET50_V1 = "resnet50v1";
  public static final String RESNET50_V2 = "resnet50v2";

  private static final List<String> NAMES = List.of(RESNET50_V1, RESNET50_V2);

  private Architectures() {}

  public static List<String> names() {
    return NAMES;
  }

  /** Unknown name -> IllegalArgumentException("unknown architecture 'x'; valid: resnet50v1, resnet50v2"). */
  public static void check(String name) {
    if (!NAMES.contains(name)) {
      throw new UserError(
          "unknown architecture '" + name + "'; valid: " + String.join(", ", NAMES));
    }
  }

  /** True for the pre-activation (v2) variant. */
  public static boolean isPreActivation(String name) {
    check(name);
    return RESNET50_V2.equals(name);
  }
}
