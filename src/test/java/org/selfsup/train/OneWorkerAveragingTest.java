package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.TestSpark;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;

/**
 * With one worker, parameter averaging is the identity: the trainer hands DL4J's master one
 * averaging round per chunk, so a chunk is one training job (not one per --averaging_frequency
 * minibatches, each a pass over the chunk) and ends with exactly the parameters of a plain local
 * fit over the same minibatches in the same order.
 */
class OneWorkerAveragingTest {
  @TempDir
  Path dir;

  private static ComputationGraph network(TrainConfig cfg) {
    return Models.classifier(Optimisation.base(cfg, 0.05), TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
  }

  /** {@code count} seeded minibatches of 8 random 16 px RGB images, labels cycling over 4 classes. */
  static List<DataSet> minibatches(long seed, int count) {
    Nd4j.getRandom().setSeed(seed);
    List<DataSet> minibatches = new ArrayList<>();
    for (int b = 0; b < count; b++) {
      INDArray y = Nd4j.zeros(8, 4);
      for (int i = 0; i < 8; i++) {
        y.putScalar(i, (i + b) % 4, 1);
      }
      minibatches.add(new DataSet(Nd4j.rand(new int[] {8, 3, 16, 16}), y));
    }
    return minibatches;
  }

  @Test
  void oneWorkerTrainsAChunkInOneJobAsALocalFitWould() throws Exception {
    Nd4jSetup.configure();
    SparkSession spark = TestSpark.get();
    TrainConfig cfg = new TrainConfig();
    cfg.averagingFrequency = 2; // what two workers would use; one worker must not split the chunk by it
    List<DataSet> minibatches = minibatches(3, 7);

    ComputationGraph local = network(cfg);
    for (DataSet d : minibatches) {
      local.fit(d);
    }

    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    AtomicInteger trainingJobs = new AtomicInteger();
    SparkListener jobs = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        // each averaging round ends in a treeAggregate of the workers' parameters
        for (org.apache.spark.scheduler.StageInfo stage : scala.collection.JavaConverters.seqAsJavaList(start.stageInfos())) {
          if (stage.name().contains("treeAggregate")) {
            trainingJobs.incrementAndGet();
            return;
          }
        }
      }
    };
    spark.sparkContext().addSparkListener(jobs);
    try {
      SparkComputationGraph net = new SparkComputationGraph(spark.sparkContext(), network(cfg),
          TrainingMasters.create(cfg, 1, 8, dir.toString(), 11));
      net.fit(sc.parallelize(minibatches, 1));
      spark.sparkContext().listenerBus().waitUntilEmpty();
      assertEquals(1, trainingJobs.get(), "training jobs (one per averaging round) for a chunk of 7 minibatches");
      assertEquals(local.params(), net.getNetwork().params());
    } finally {
      spark.sparkContext().removeSparkListener(jobs);
    }
  }
}
