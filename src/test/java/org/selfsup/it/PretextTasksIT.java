package org.selfsup.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;

/**
 * A few steps of each patch and exemplar task on the committed sample in local[2], through the
 * same Spark training as the rotation slice: the losses are finite, and the held-out pretext loss
 * (a fixed batch, inference mode) after training is below the untrained network's.
 */
class PretextTasksIT {
  private static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    spark = TestSpark.get();
  }

  static TrainConfig config(String task) throws Exception {
    TrainConfig cfg = TrainConfig.forTask(task);
    cfg.architecture = "resnet50v2";
    cfg.filtersFactor = 1;
    cfg.smallInput = true;
    cfg.blocksPerStage = new int[] {1, 1};
    cfg.batchNormDecay = 0.9;
    cfg.inputSize = task.equals("exemplar") ? 28 : 64;
    cfg.datasetDir = Paths.get(PretextTasksIT.class.getResource("/fashion_mnist_sample").toURI()).toString();
    cfg.numClasses = 10;
    cfg.batchSize = 8;
    cfg.epochs = 2.0 / 3; // two chunks of one 250-image shard
    cfg.baseLr = 1.6; // lr 0.05 at 8 images per batch
    cfg.warmupEpochs = 0.1;
    cfg.decayEpochs = new double[] {2};
    cfg.numWorkers = 1;
    cfg.chunksPerEpoch = 3;
    cfg.pretextEvalImages = 8; // exemplar: 64 examples; patch tasks: 16 to 64
    cfg.taskOptions.embedDim = 32;
    cfg.taskOptions.headHidden = 64;
    cfg.taskOptions.permutationsPerImage = 2;
    return cfg;
  }

  @ParameterizedTest
  @ValueSource(strings = {"relative_patch_location", "jigsaw", "exemplar"})
  void lossIsFiniteAndFalls(String task) throws Exception {
    Path workdir = tmp.resolve(task);
    Checkpoint.State state = new Trainer(spark, config(task), workdir.toString(), BadRecordPolicy.FAIL).run();
    assertEquals(500, state.imagesSeen);
    List<String[]> rows = Files.readAllLines(workdir.resolve("metrics.csv")).stream().skip(1)
        .map(l -> l.split(",")).collect(Collectors.toList());
    assertEquals(3, rows.size(), "the untrained row and 2 chunks");
    List<Double> heldOut = rows.stream().map(r -> Double.parseDouble(r[8])).collect(Collectors.toList());
    List<Double> minibatch = rows.stream().skip(1).map(r -> Double.parseDouble(r[4])).collect(Collectors.toList());
    System.out.println(task + ": held-out pretext loss " + heldOut + ", last minibatch loss " + minibatch);
    assertTrue(heldOut.stream().allMatch(Double::isFinite) && minibatch.stream().allMatch(Double::isFinite),
        heldOut + " " + minibatch);
    assertTrue(heldOut.get(2) < heldOut.get(0), task + ": held-out pretext loss " + heldOut);
  }
}
