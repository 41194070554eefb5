package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingHook;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.TestSpark;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;

/**
 * A training task leaves no DL4J workspace on its executor thread: when a one-worker fit's task
 * ends, its thread holds none of DL4J's training workspaces; without the trainer's hook (the
 * control) it still holds them.
 */
class WorkspaceReleaseTest {
  /** DL4J's workspace of all layers' activations during training. */
  private static final String ACTIVATIONS = "WS_ALL_LAYERS_ACT";

  @TempDir
  Path dir;

  /** What the probe saw when each training task ended: whether its thread still held the workspace. */
  private static final Queue<Boolean> SEEN = new ConcurrentLinkedQueue<>();

  /**
   * Registers, at a task's first minibatch, a completion listener that looks at the task's thread.
   * Spark calls completion listeners in reverse order of registration, so it runs after the listener
   * of every hook behind it in the list.
   */
  private static final class WorkspaceProbe implements TrainingHook {
    private static final long serialVersionUID = 1L;
    private static final Set<Long> TASKS = ConcurrentHashMap.newKeySet();

    private static void register() {
      TaskContext task = TaskContext.get();
      if (TASKS.add(task.taskAttemptId())) {
        task.addTaskCompletionListener((TaskCompletionListener) t -> {
          SEEN.add(Nd4j.getWorkspaceManager().checkIfWorkspaceExists(ACTIVATIONS));
        });
      }
    }

    @Override
    public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
      register();
    }

    @Override
    public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {}

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
      register();
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {}
  }

  /** A one-worker fit on two partitions; what the probe saw at the end of each training task. */
  private List<Boolean> workspaceLeftAtTaskEnds(boolean withTrainersHooks) {
    return workspaceLeftAtTaskEnds(withTrainersHooks, 1, 3);
  }

  private List<Boolean> workspaceLeftAtTaskEnds(boolean withTrainersHooks, int workers, int minibatches) {
    SparkSession spark = TestSpark.get();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    TrainConfig cfg = new TrainConfig();
    ComputationGraph network = Models.classifier(Optimisation.base(cfg, 0.05),
        TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
    cfg.averagingFrequency = 2;
    ParameterAveragingTrainingMaster master =
        (ParameterAveragingTrainingMaster) TrainingMasters.create(cfg, workers, 8, dir.toString(), 3);
    assertTrue(master.getTrainingHookList().stream().anyMatch(h -> h instanceof WorkspaceRelease),
        "the trainer's masters release workspaces");
    List<TrainingHook> hooks = new ArrayList<>();
    hooks.add(new WorkspaceProbe());
    if (withTrainersHooks) {
      hooks.addAll(master.getTrainingHookList());
    }
    master.setTrainingHookList(hooks);
    SEEN.clear();
    new SparkComputationGraph(spark.sparkContext(), network, master)
        .fit(sc.parallelize(OneWorkerAveragingTest.minibatches(5, minibatches), workers));
    return new ArrayList<>(SEEN);
  }

  @Test
  void trainingTasksEndWithoutWorkspaces() {
    Nd4jSetup.configure();
    assertEquals(List.of(true), workspaceLeftAtTaskEnds(false),
        "control: without the hook the training thread keeps DL4J's " + ACTIVATIONS);
    assertEquals(List.of(false), workspaceLeftAtTaskEnds(true));
  }

  /**
   * Two workers, two averaging rounds: the first round's tasks leave their workspaces to the next
   * round, the last round's tasks free them.
   */
  @Test
  void onlyTheLastRoundsTasksFreeTheirWorkspaces() {
    Nd4jSetup.configure();
    assertEquals(List.of(true, true, false, false), workspaceLeftAtTaskEnds(true, 2, 8));
  }

  @Test
  void releaseFreesTheCallingThreadsWorkspaces() {
    Nd4jSetup.configure();
    try (org.nd4j.linalg.api.memory.MemoryWorkspace ws =
        Nd4j.getWorkspaceManager().getAndActivateWorkspace("WS_TEST_RELEASE")) {
      Nd4j.create(1024, 1024);
    }
    assertTrue(Nd4j.getWorkspaceManager().checkIfWorkspaceExists("WS_TEST_RELEASE"));
    long freed = WorkspaceRelease.release();
    assertTrue(freed >= 4L << 20, "freed " + freed + " bytes, the workspace held a 4 MB array");
    assertTrue(!Nd4j.getWorkspaceManager().checkIfWorkspaceExists("WS_TEST_RELEASE"));
  }
}
