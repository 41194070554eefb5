package org.selfsup.tasks;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.runtime.UserError;

/**
 * The registry of tasks by name (the original's --task flag): the one place that lists them.
 * Adding a task is one entry in {@link #REGISTERED}; the first entry is the default task.
 */
public final class Tasks {
  private static final List<TaskType> REGISTERED = List.of(
      // the paper's best trunk for rotation is RevNet50 x16; ResNet50 v2 was the closest one built here
      TaskType.of(RotationTask.NAME, "predict the rotation of the image (0, 90, 180, 270 degrees)",
          (options, hadoop) -> new RotationTask(), Recipe.of("resnet50v2", 64)),
      TaskType.of(SupervisedTask.NAME, "the supervised baseline on the dataset's labels",
          (options, hadoop) -> new SupervisedTask(), Recipe.of("resnet50v2", 256).withSchedule(90, 30, 60, 80)),
      TaskType.of(RelativePatchLocationTask.NAME, "predict where a neighbour patch lies relative to the centre one",
          (options, hadoop) -> new RelativePatchLocationTask(options), Recipe.of("resnet50v1", 128).withInputSize(255))
          .withOptions(o -> " embed_dim=" + o.embedDim + " head_hidden=" + o.headHidden, "--embed_dim", "--head_hidden"),
      TaskType.of(JigsawTask.NAME, "predict the permutation that shuffled the 9 patches",
          JigsawTask::create, Recipe.of("resnet50v1", 128).withInputSize(255))
          .withOptions(o -> " embed_dim=" + o.embedDim + " head_hidden=" + o.headHidden
              + " permutations=" + o.numPermutations,
              "--embed_dim", "--head_hidden", "--permutations_path", "--num_permutations", "--permutations_per_image"),
      TaskType.of(ExemplarTask.NAME, "tell augmented copies of an image from those of the others (triplet loss)",
          (options, hadoop) -> new ExemplarTask(options), Recipe.of("resnet50v1", 64)) // 64 images, 8 copies each
          .withOptions(o -> " embed_dim=" + o.embedDim, "--embed_dim", "--exemplar_copies", "--triplet_margin"));

  private static final Map<String, TaskType> BY_NAME = REGISTERED.stream()
      .collect(Collectors.toMap(TaskType::name, t -> t, (a, b) -> {
        throw new IllegalStateException("task '" + a.name() + "' registered twice");
      }, LinkedHashMap::new));

  private Tasks() {}

  public static List<TaskType> all() {
    return REGISTERED;
  }

  public static List<String> names() {
    return List.copyOf(BY_NAME.keySet());
  }

  /** "rotation, supervised, ...", for help texts and messages. */
  public static String namesText() {
    return String.join(", ", BY_NAME.keySet());
  }

  /** The task a run trains when --task is left out. */
  public static TaskType defaultType() {
    return REGISTERED.get(0);
  }

  /** The registration; an unknown name is the one-line "unknown task" error. */
  public static TaskType get(String name) {
    checkName(name);
    return BY_NAME.get(name);
  }

  public static Optional<TaskType> find(String name) {
    return Optional.ofNullable(name == null ? null : BY_NAME.get(name));
  }

  /** Throws the one-line "unknown task" error unless {@code name} is a task. */
  public static void checkName(String name) {
    if (name == null || !BY_NAME.containsKey(name)) {
      throw new UserError("unknown task '" + name + "'; valid: " + namesText());
    }
  }

  /** The task with default options. */
  public static Task forName(String name) {
    return create(name, new TaskOptions(), new Configuration());
  }

  /** The task; {@code hadoop} reads the files its options name. */
  public static Task create(String name, TaskOptions options, Configuration hadoop) {
    return get(name).create(options, hadoop);
  }
}
