package org.selfsup.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.ListResourceBundle;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.tasks.Recipe;
import org.selfsup.tasks.TaskType;
import org.selfsup.tasks.Tasks;

/**
 * The help texts that name tasks or architectures, generated from their registries ({@link
 * Tasks}, {@link Architectures}) so that a new registration shows up in --help by itself.
 * picocli reads it as the commands' resource bundle: a key is an option's name without "--",
 * prefixed with the command's qualified name where the text is the command's own.
 */
public final class RegistryHelp extends ListResourceBundle {
  @Override
  protected Object[][] getContents() {
    Map<String, String> texts = new LinkedHashMap<>();
    texts.put("selfsup.pretrain.task", "One of " + Tasks.namesText() + " (default: ${DEFAULT-VALUE}).");
    texts.put("selfsup.pretrain.architecture", "One of " + Architectures.describe()
        + " (default: the task's: " + byTask(r -> r.architecture) + ").");
    texts.put("selfsup.pretrain.input_size", "Square network input in pixels; tasks on patches: the crop cut into "
        + "the 3x3 grid (default: the task's: " + byTask(r -> r.inputSize) + ").");
    texts.put("selfsup.pretrain.batch_size", "Images per minibatch, each giving the task's examples "
        + "(default: the task's: " + byTask(r -> r.batchSize) + ").");
    texts.put("selfsup.pretrain.epochs", "Epochs, may be fractional (default: the task's: "
        + byTask(r -> number(r.epochs)) + ").");
    texts.put("selfsup.pretrain.decay_epochs", "Increasing epochs at which lr is multiplied by 0.1 "
        + "(default: the task's: " + byTask(r -> Arrays.stream(r.decayEpochs()).mapToObj(RegistryHelp::number)
            .collect(Collectors.joining(","))) + ").");
    texts.put("selfsup.pretrain.blocks_per_stage", "Blocks per stage, one positive count per stage "
        + "(default: the architecture's: " + byArchitecture(a -> Arrays.stream(a.defaultBlocksPerStage())
            .mapToObj(Integer::toString).collect(Collectors.joining(","))) + ").");
    texts.put("selfsup.inspect.task", "Show the network inputs of this task (one of " + Tasks.namesText()
        + ") instead (default spec: the task's training spec at --input_size): one picture per image, one row "
        + "per example, labels in the file name.");
    for (Map.Entry<String, String> flag : TaskFlags.DESCRIPTIONS.entrySet()) {
      texts.put(flag.getKey().substring(2), flag.getValue() + " Used by " + usedBy(flag.getKey()) + ".");
    }
    return texts.entrySet().stream().map(e -> new Object[] {e.getKey(), e.getValue()}).toArray(Object[][]::new);
  }

  /** "value for task, task; value for task" over the registered tasks, in registration order. */
  private static String byTask(Function<Recipe, Object> value) {
    return group(Tasks.all(), t -> value.apply(t.recipe()), TaskType::name);
  }

  private static String byArchitecture(Function<Architecture, Object> value) {
    return group(Architectures.all(), value, Architecture::name);
  }

  private static <T> String group(List<T> items, Function<T, Object> value, Function<T, String> name) {
    Map<String, List<String>> names = new LinkedHashMap<>();
    for (T item : items) {
      names.computeIfAbsent(String.valueOf(value.apply(item)), v -> new ArrayList<>()).add(name.apply(item));
    }
    return names.entrySet().stream().map(e -> e.getKey() + " for " + String.join(", ", e.getValue()))
        .collect(Collectors.joining("; "));
  }

  private static String usedBy(String flag) {
    List<String> tasks = Tasks.all().stream().filter(t -> t.optionFlags().contains(flag)).map(TaskType::name)
        .collect(Collectors.toList());
    return tasks.isEmpty() ? "no registered task" : String.join(", ", tasks);
  }

  private static String number(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
