package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.TestSpark;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;

/**
 * Two workers averaging over several rounds: the trainer's master, whose executors keep their
 * workspaces from one round to the next, ends with exactly the parameters, updater state and
 * iteration count of DL4J's own master.
 */
class AveragingRoundsTest {
  @TempDir
  Path dir;

  private static ComputationGraph network(TrainConfig cfg) {
    return Models.classifier(Optimisation.base(cfg, 0.05), TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
  }

  private static ComputationGraph fit(TrainingMaster<?, ?> master, TrainConfig cfg, List<DataSet> minibatches) {
    SparkSession spark = TestSpark.get();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    SparkComputationGraph net = new SparkComputationGraph(spark.sparkContext(), network(cfg), master);
    net.fit(sc.parallelize(minibatches, 2));
    return net.getNetwork();
  }

  @Test
  void keptWorkspacesTrainAsDl4jsOwnMaster() {
    Nd4jSetup.configure();
    TrainConfig cfg = new TrainConfig();
    cfg.averagingFrequency = 2;
    // 12 minibatches of 8 over 2 workers averaging every 2: 3 rounds
    List<DataSet> minibatches = OneWorkerAveragingTest.minibatches(5, 12);
    ComputationGraph ours = fit(TrainingMasters.create(cfg, 2, 8, dir.toString(), 17), cfg, minibatches);
    ComputationGraph dl4j = fit(TrainingMasters.builder(cfg, 2, 8, dir.toString(), 17).build(), cfg, minibatches);

    INDArray start = network(cfg).params();
    assertNotEquals(start, dl4j.params(), "the fit trained");
    assertEquals(dl4j.params(), ours.params());
    assertEquals(dl4j.getUpdater().getStateViewArray(), ours.getUpdater().getStateViewArray());
    assertEquals(dl4j.getConfiguration().getIterationCount(), ours.getConfiguration().getIterationCount());
  }
}
