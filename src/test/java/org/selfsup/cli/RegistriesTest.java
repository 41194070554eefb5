package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskOptions;
import org.selfsup.tasks.TaskType;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;
import picocli.CommandLine;

/**
 * The task and architecture registries are the single source: every registered task builds with its
 * recipe, the recipes are the method spec's, the help texts and the unknown-name errors list every
 * registered name.
 */
class RegistriesTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  /** The method spec's recipes (as TrainConfig.forTask had them before the registries). */
  @Test
  void recipesAreTheMethodSpecs() {
    checkRecipe("rotation", "resnet50v2", 64, 35, new double[] {15, 25}, 224);
    checkRecipe("supervised", "resnet50v2", 256, 90, new double[] {30, 60, 80}, 224);
    checkRecipe("exemplar", "resnet50v1", 64, 35, new double[] {15, 25}, 224);
    checkRecipe("jigsaw", "resnet50v1", 128, 35, new double[] {15, 25}, 255);
    checkRecipe("relative_patch_location", "resnet50v1", 128, 35, new double[] {15, 25}, 255);
    assertEquals(List.of("rotation", "supervised", "relative_patch_location", "jigsaw", "exemplar"), Tasks.names());
    TrainConfig defaults = new TrainConfig();
    assertEquals("rotation", defaults.task);
    assertEquals("resnet50v2", defaults.architecture);
    assertArrayEquals(new int[] {3, 4, 6, 3}, defaults.blocksPerStage);
  }

  private static void checkRecipe(String task, String arch, int batch, double epochs, double[] decays, int size) {
    TrainConfig c = TrainConfig.forTask(task);
    assertEquals(task, c.task);
    assertEquals(arch, c.architecture, task);
    assertEquals(batch, c.batchSize, task);
    assertEquals(epochs, c.epochs, task);
    assertArrayEquals(decays, c.decayEpochs, task);
    assertEquals(size, c.inputSize, task);
    assertArrayEquals(new int[] {3, 4, 6, 3}, c.blocksPerStage, task);
  }

  /** Every registered task, with its recipe's architecture and input size (narrow and shallow), builds its network. */
  @Test
  void everyRegisteredTaskBuildsWithItsRecipe() {
    for (TaskType type : Tasks.all()) {
      TrainConfig cfg = TrainConfig.forTask(type.name());
      cfg.filtersFactor = 1;
      cfg.blocksPerStage = new int[] {1, 1, 1, 1};
      cfg.numClasses = 10;
      TaskOptions options = new TaskOptions();
      options.embedDim = 128; // exemplar: at least the recipe's batch of images
      options.headHidden = 8;
      options.numPermutations = 10;
      options.permutationsPerImage = 2;
      Task task = type.create(options, new Configuration());
      assertEquals(type.name(), task.name());
      Architecture arch = Architectures.get(cfg.architecture); // the recipe names a registered architecture
      task.checkBatch(cfg.batchSize);
      TrunkConfig trunk = Trainer.trunkConfig(cfg);
      ComputationGraph model = task.buildModel(Optimisation.base(cfg, 0.1), trunk, cfg.numClasses);
      assertTrue(model.numParams() > 0, type.name());
      Map<String, String> endpoints = task.endpoints(trunk, cfg.numClasses);
      for (String e : arch.evalEndpoints()) {
        assertTrue(endpoints.containsKey(e), type.name() + " lacks " + arch.name() + "'s evaluation endpoint " + e);
      }
      for (String vertex : endpoints.values()) {
        assertTrue(model.getConfiguration().getVertices().containsKey(vertex), type.name() + ": " + vertex);
      }
      assertTrue(cfg.modelIdentity().startsWith("task=" + type.name() + " "), cfg.modelIdentity());
    }
  }

  /** Every registered architecture: its three variants are of it, and its default blocks pass its own rule. */
  @Test
  void everyRegisteredArchitectureHasItsVariants() {
    for (Architecture a : Architectures.all()) {
      int[] blocks = a.defaultBlocksPerStage();
      a.checkBlocksPerStage(blocks);
      TrunkConfig standard = a.standard(1, 224, blocks);
      TrunkConfig small = a.small(1, 32, blocks);
      TrunkConfig patch = a.patch(standard, 64);
      for (TrunkConfig c : List.of(standard, small, patch)) {
        assertEquals(a.name(), c.architecture);
      }
      assertEquals(64, patch.inputHeight);
      Map<String, long[]> shapes = a.endpointShapes(small);
      for (String e : a.evalEndpoints()) {
        assertTrue(shapes.containsKey(e), a.name() + " has no endpoint " + e);
      }
      assertEquals(shapes.keySet(), a.endpoints(small).keySet());
      assertEquals(1, shapes.get("pre_logits").length, a.name() + ": pre_logits is a vector");
      UserError bad = assertThrows(UserError.class, () -> a.checkBlocksPerStage(new int[] {0}));
      assertTrue(bad.getMessage().startsWith("--blocks_per_stage must be "), bad.getMessage());
    }
  }

  @Test
  void unknownNamesListTheRegistry() {
    UserError task = assertThrows(UserError.class, () -> Tasks.create("rotate", new TaskOptions(), new Configuration()));
    assertEquals("unknown task 'rotate'; valid: " + String.join(", ", Tasks.names()), task.getMessage());
    UserError arch = assertThrows(UserError.class, () -> Architectures.get("resnet51"));
    assertEquals("unknown architecture 'resnet51'; valid: " + String.join(", ", Architectures.names()), arch.getMessage());
  }

  /** --help of pretrain and inspect lists every registered name, and says which tasks read each task flag. */
  @Test
  void helpTextsListEveryRegisteredName() {
    CommandLine main = new CommandLine(new Main());
    CommandLine.Model.CommandSpec pretrain = main.getSubcommands().get("pretrain").getCommandSpec();
    CommandLine.Model.CommandSpec inspect = main.getSubcommands().get("inspect").getCommandSpec();
    for (String name : Tasks.names()) {
      assertTrue(help(pretrain, "--task").contains(name), help(pretrain, "--task"));
      assertTrue(help(inspect, "--task").contains(name), help(inspect, "--task"));
      for (String flag : List.of("--batch_size", "--epochs", "--decay_epochs", "--input_size", "--architecture")) {
        assertTrue(help(pretrain, flag).contains(name), flag + ": " + help(pretrain, flag));
      }
    }
    for (String name : Architectures.names()) {
      assertTrue(help(pretrain, "--architecture").contains(name), help(pretrain, "--architecture"));
      assertTrue(help(pretrain, "--blocks_per_stage").contains(name), help(pretrain, "--blocks_per_stage"));
    }
    for (TaskType type : Tasks.all()) {
      for (String flag : type.optionFlags()) {
        assertTrue(TaskFlags.DESCRIPTIONS.containsKey(flag), type.name() + " reads unknown flag " + flag);
        String text = help(pretrain, flag);
        assertTrue(text.contains("Used by ") && text.contains(type.name()), flag + ": " + text);
        assertEquals(text, help(inspect, flag));
      }
    }
    assertEquals("Used by exemplar.", help(pretrain, "--exemplar_copies").replaceAll(".*\\(default: 8\\)\\. ", ""));
    String usage = main.getSubcommands().get("pretrain").getUsageMessage();
    assertFalse(usage.contains("${"), usage);
  }

  private static String help(CommandLine.Model.CommandSpec spec, String option) {
    return String.join(" ", spec.findOption(option).description());
  }
}
