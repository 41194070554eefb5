package org.selfsup.tasks;

import java.util.Arrays;
import java.util.List;

/** The registry of tasks by name (the original's --task flag). */
public final class Tasks {
  private static final List<String> NAMES = Arrays.asList("rotation", "supervised");

  private Tasks() {}

  public static List<String> names() {
    return NAMES;
  }

  public static Task forName(String name) {
    switch (name == null ? "" : name) {
      case "rotation":
        return new RotationTask();
      case "supervised":
        return new SupervisedTask();
      default:
        throw new IllegalArgumentException("unknown task '" + name + "'; valid: " + String.join(", ", NAMES));
    }
  }
}
