package org.selfsup.tasks;

import java.util.List;
import java.util.function.Function;
import org.apache.hadoop.conf.Configuration;

/**
 * One task, everything about it in one registration ({@link Tasks}' list): its name, how it is
 * built from the options, the paper's recipe, the task-specific flags it reads (for help texts)
 * and the part of the checkpoint identity its options give. Immutable.
 */
public final class TaskType {
  /** Builds the task; {@code hadoop} reads the files its options name. */
  @FunctionalInterface
  public interface Factory {
    Task create(TaskOptions options, Configuration hadoop);
  }

  private final String name;
  private final String summary;
  private final Factory factory;
  private final Recipe recipe;
  private final List<String> optionFlags;
  private final Function<TaskOptions, String> identity;

  private TaskType(String name, String summary, Factory factory, Recipe recipe, List<String> optionFlags,
      Function<TaskOptions, String> identity) {
    this.name = name;
    this.summary = summary;
    this.factory = factory;
    this.recipe = recipe;
    this.optionFlags = List.copyOf(optionFlags);
    this.identity = identity;
  }

  /** A task with no task-specific flags and no identity beyond its name. */
  public static TaskType of(String name, String summary, Factory factory, Recipe recipe) {
    return new TaskType(name, summary, factory, recipe, List.of(), o -> "");
  }

  /** The task-specific flags (as in {@code --embed_dim}) it reads, and what of them its network depends on. */
  public TaskType withOptions(Function<TaskOptions, String> identity, String... flags) {
    return new TaskType(name, summary, factory, recipe, List.of(flags), identity);
  }

  public String name() {
    return name;
  }

  /** One line for help texts. */
  public String summary() {
    return summary;
  }

  public Task create(TaskOptions options, Configuration hadoop) {
    return factory.create(options, hadoop);
  }

  public Recipe recipe() {
    return recipe;
  }

  /** The task-specific flags it reads. */
  public List<String> optionFlags() {
    return optionFlags;
  }

  /** What a checkpoint's network depends on among the options, for the resume check (" key=value ..." or ""). */
  public String modelIdentity(TaskOptions options) {
    return identity.apply(options);
  }

  @Override
  public String toString() {
    return name;
  }
}
