package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
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
import org.selfsup.TestSpark;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.CoreShare;
import org.selfsup.runtime.Nd4jSetup;

/**
 * Two workers training side by side in local[2] each run their minibatches on their share of the
 * OpenMP threads, and count themselves out when their task ends.
 */
class CoreShareHookTest {
  @TempDir
  Path dir;

  /** (tasks counted in, this thread's OpenMP threads) at each minibatch, after the trainer's hooks. */
  private static final Queue<int[]> SEEN = new ConcurrentLinkedQueue<>();

  private static final class ThreadsProbe implements TrainingHook {
    private static final long serialVersionUID = 1L;

    @Override
    public void preUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {
      SEEN.add(new int[] {CoreShare.active(), Nd4jSetup.currentOmpThreads()});
    }

    @Override
    public void postUpdate(org.nd4j.linalg.dataset.api.DataSet minibatch, Model model) {}

    @Override
    public void preUpdate(MultiDataSet minibatch, Model model) {
      SEEN.add(new int[] {CoreShare.active(), Nd4jSetup.currentOmpThreads()});
    }

    @Override
    public void postUpdate(MultiDataSet minibatch, Model model) {}
  }

  @Test
  void eachWorkerTrainsOnItsShareOfTheThreads() {
    Nd4jSetup.configure();
    SparkSession spark = TestSpark.get();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    TrainConfig cfg = new TrainConfig();
    ComputationGraph network = Models.classifier(Optimisation.base(cfg, 0.05),
        TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
    ParameterAveragingTrainingMaster master =
        (ParameterAveragingTrainingMaster) TrainingMasters.create(cfg, 2, 8, dir.toString(), 3);
    assertTrue(master.getTrainingHookList().stream().anyMatch(h -> h instanceof CoreShareHook),
        "the trainer's masters share the cores");
    List<TrainingHook> hooks = new ArrayList<>(master.getTrainingHookList());
    hooks.add(new ThreadsProbe());
    master.setTrainingHookList(hooks);
    int before = CoreShare.active();
    SEEN.clear();
    new SparkComputationGraph(spark.sparkContext(), network, master)
        .fit(sc.parallelize(OneWorkerAveragingTest.minibatches(8, 3), 2));

    assertFalse(SEEN.isEmpty());
    int all = Nd4jSetup.ompThreads();
    for (int[] s : SEEN) {
      assertTrue(s[0] >= before + 1, "the training task is counted in: " + s[0]);
      assertEquals(Math.max(1, all / s[0]), s[1], "OpenMP threads with " + s[0] + " tasks counted in");
    }
    assertEquals(before, CoreShare.active(), "both tasks counted out when they ended");
  }
}
