package org.selfsup.tasks;

import org.selfsup.runtime.UserError;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.runtime.CloudCredentials;
import org.selfsup.runtime.UserError;

/** The registry of tasks by name (the original's --task flag). */
public final class Tasks {
  /** The names, for help texts. */
  public static final String NAMES_TEXT = "rotation, supervised, " + RelativePatchLocationTask.NAME + ", "
      + JigsawTask.NAME + ", " + ExemplarTask.NAME;
  private static final List<String> NAMES = Arrays.asList(NAMES_TEXT.split(", "));

  private Tasks() {}

  public static List<String> names() {
    return NAMES;
  }

  /** Throws the one-line "unknown task" error unless {@code name} is a task. */
  public static void checkName(String name) {
    if (!NAMES.contains(name)) {
      throw new UserError("unknown task '" + name + "'; valid: " + String.join(", ", NAMES));
    }
  }

  /** The task with default options. */
  public static Task forName(String name) {
    return create(name, new TaskOptions(), new Configuration());
  }

  /** The task; {@code hadoop} reads jigsaw's --permutations_path. */
  public static Task create(String name, TaskOptions options, Configuration hadoop) {
    switch (name == null ? "" : name) {
      case "rotation":
        return new RotationTask();
      case "supervised":
        return new SupervisedTask();
      case RelativePatchLocationTask.NAME:
        return new RelativePatchLocationTask(options);
      case JigsawTask.NAME:
        return new JigsawTask(options, permutations(options, hadoop));
      case ExemplarTask.NAME:
        return new ExemplarTask(options);
      default:
        checkName(name);
        throw new AssertionError("task '" + name + "' is registered but not built");
    }
  }

  private static JigsawPermutations permutations(TaskOptions options, Configuration hadoop) {
    int patches = PatchGeometry.CELLS * PatchGeometry.CELLS;
    if (options.permutationsPath == null) {
      return JigsawPermutations.generate(options.numPermutations, patches, options.permutationSeed);
    }
    try {
      return JigsawPermutations.read(hadoop, options.permutationsPath)
          .requireLength(patches, options.permutationsPath);
    } catch (IOException e) {
      UserError refused = CloudCredentials.userErrorIn(e);
      if (refused != null) {
        throw refused;
      }
      throw new UncheckedIOException("cannot read permutations file " + options.permutationsPath, e);
    }
  }
}
