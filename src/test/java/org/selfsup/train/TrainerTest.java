package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.BadRecordPolicy;

/** Short rotation pretraining on the committed sample in local[2]: progress, checkpoints, resume, two workers. */
public class TrainerTest {
  private static SparkSession spark;
  @TempDir static Path tmp;

  @BeforeAll
  static void start() {
    spark = TestSpark.get();
  }

  /** A rotation run on the sample's 3 training shards: 250 images, 8 steps, a chunk. */
  public static TrainConfig tiny(double epochs) throws Exception {
    TrainConfig cfg = TrainConfig.forTask("rotation");
    cfg.architecture = "resnet50v2";
    cfg.filtersFactor = 1;
    cfg.smallInput = true;
    cfg.inputSize = 32;
    cfg.blocksPerStage = new int[] {1, 1};
    cfg.datasetDir = Paths.get(TrainerTest.class.getResource("/fashion_mnist_sample").toURI()).toString();
    cfg.numClasses = 10;
    cfg.batchSize = 32;
    cfg.epochs = epochs;
    cfg.warmupEpochs = 0.5;
    cfg.decayEpochs = new double[] {1.5};
    cfg.numWorkers = 1;
    cfg.chunksPerEpoch = 3;
    cfg.pretextEvalImages = 32;
    return cfg;
  }

  private static List<String[]> metrics(Path workdir) throws Exception {
    // skip the header and the untrained network's step-0 row
    return Files.readAllLines(workdir.resolve("metrics.csv")).stream().skip(2).map(l -> l.split(","))
        .collect(Collectors.toList());
  }

  private static List<String> checkpoints(Path workdir) throws Exception {
    try (java.util.stream.Stream<Path> s = Files.list(workdir.resolve("checkpoints"))) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  /** The row without the columns of wall-clock time (time, images_per_second, data_wait_share). */
  static List<String> deterministic(String[] row) {
    List<String> out = new java.util.ArrayList<>(List.of(row));
    out.remove(11);
    out.remove(7);
    out.remove(0);
    return out;
  }

  /**
   * 2 epochs of 3 chunks (one 250-image shard, 8 steps each), a checkpoint every 2 chunks and at
   * epoch ends, the last 2 kept. The interrupted run stops after chunk 5, past its mid-epoch
   * checkpoint of chunk 4 (step 32): the resumed run drops chunk 5's row, trains chunks 5 and 6
   * again, and ends with the very rows and parameters of the uninterrupted run.
   */
  @Test
  void aRunInterruptedAfterAMidEpochCheckpointAndResumedEqualsAnUninterruptedOne() throws Exception {
    Path straight = tmp.resolve("straight");
    TrainConfig cfg = tiny(2);
    cfg.checkpointEvery = 2;
    cfg.keepCheckpoints = 2;
    cfg.numWorkers = 2;
    Checkpoint.State full = new Trainer(spark, cfg, straight.toString(), BadRecordPolicy.FAIL).run();
    assertEquals(2.0, full.epochsDone, 1e-9);
    assertEquals(1500, full.imagesSeen);
    assertEquals(48, full.steps);

    Path resumed = tmp.resolve("resumed");
    Checkpoint.State killed = new Trainer(spark, cfg, resumed.toString(), BadRecordPolicy.FAIL).stopAfterChunks(5).run();
    assertEquals(40, killed.steps);
    assertEquals(List.of("step-000000000024", "step-000000000032"), checkpoints(resumed));
    assertEquals(5, metrics(resumed).size(), "the killed run's rows after step 0: 5 chunks");
    TrainConfig rest = tiny(2);
    rest.checkpointEvery = 2;
    rest.keepCheckpoints = 2;
    rest.numWorkers = 2;
    rest.minibatchStorage = "MEMORY_ONLY"; // not part of the model: the run resumes, without a Kryo round trip
    rest.prefetchChunks = 0; // nor is building the next chunk ahead: the same minibatches, the same result
    Checkpoint.State second = new Trainer(spark, rest, resumed.toString(), BadRecordPolicy.FAIL).run();
    assertEquals(2.0, second.epochsDone, 1e-9);
    assertEquals(1500, second.imagesSeen);
    assertEquals(48, second.steps);

    List<String[]> a = metrics(straight);
    List<String[]> b = metrics(resumed);
    assertEquals(6, a.size());
    assertEquals(6, b.size(), "one row per chunk: the killed run's row of step 40 dropped, written once again");
    for (int i = 0; i < 6; i++) {
      assertEquals(Long.toString(8L * (i + 1)), b.get(i)[2], "step of chunk " + i);
      assertEquals(deterministic(a.get(i)), deterministic(b.get(i)), "row of chunk " + i);
      // built ahead or not, each chunk's row counts its own shard's records
      assertEquals("250", a.get(i)[9], "records_used of chunk " + i);
      double wait = Double.parseDouble(a.get(i)[11]);
      assertTrue(wait >= 0 && wait <= 1, "data_wait_share " + wait);
      double loss = Double.parseDouble(a.get(i)[4]);
      assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    }
    // lr: warm-up to the peak by epoch 0.5, x0.1 from epoch 1.5; the peak is 0.1 x 64 / 256: two averaged
    // workers of 32 images each make one step of 64
    assertEquals(0.025 * (1.0 / 6) / 0.5, Double.parseDouble(a.get(0)[6]), 1e-6);
    assertEquals(0.025, Double.parseDouble(a.get(2)[6]), 1e-6);
    assertEquals(0.0025, Double.parseDouble(a.get(5)[6]), 1e-6);

    assertEquals(List.of("step-000000000032", "step-000000000048"), checkpoints(straight));
    assertEquals(checkpoints(straight), checkpoints(resumed));
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.deeplearning4j.nn.graph.ComputationGraph x = Checkpoint.latest(conf, straight.toString()).loadModel(conf);
    org.deeplearning4j.nn.graph.ComputationGraph y = Checkpoint.latest(conf, resumed.toString()).loadModel(conf);
    org.junit.jupiter.api.Assertions.assertArrayEquals(x.params().data().asFloat(), y.params().data().asFloat(),
        "final parameters");
    org.junit.jupiter.api.Assertions.assertArrayEquals(x.getUpdater().getStateViewArray().data().asFloat(),
        y.getUpdater().getStateViewArray().data().asFloat(), "final momentum");

    // a third run with the same flags has nothing left to do
    Checkpoint.State again = new Trainer(spark, rest, resumed.toString(), BadRecordPolicy.FAIL).run();
    assertEquals(1500, again.imagesSeen);
    assertEquals(6, metrics(resumed).size());

    TrainConfig other = tiny(3);
    other.architecture = "resnet50v1";
    org.selfsup.runtime.UserError e = assertThrows(org.selfsup.runtime.UserError.class,
        () -> new Trainer(spark, other, resumed.toString(), BadRecordPolicy.FAIL).run());
    assertTrue(e.getMessage().contains("architecture=resnet50v2") && e.getMessage().contains("architecture=resnet50v1"),
        e.getMessage());
  }

  /**
   * One worker in local[2] leaves a task slot free, so each next chunk is built while the current
   * one trains: the same rows (records counted per chunk) and parameters as building each chunk
   * just before it trains.
   */
  @Test
  void buildingTheNextChunkAheadTrainsTheSameAsNot() throws Exception {
    TrainConfig ahead = tiny(1);
    ahead.numWorkers = 1;
    ahead.minibatchStorage = "MEMORY_ONLY";
    Path a = tmp.resolve("ahead");
    new Trainer(spark, ahead, a.toString(), BadRecordPolicy.FAIL).run();
    TrainConfig notAhead = tiny(1);
    notAhead.numWorkers = 1;
    notAhead.minibatchStorage = "MEMORY_ONLY";
    notAhead.prefetchChunks = 0;
    Path b = tmp.resolve("not-ahead");
    new Trainer(spark, notAhead, b.toString(), BadRecordPolicy.FAIL).run();
    List<String[]> ra = metrics(a);
    List<String[]> rb = metrics(b);
    assertEquals(3, ra.size());
    for (int i = 0; i < 3; i++) {
      assertEquals(deterministic(rb.get(i)), deterministic(ra.get(i)), "row of chunk " + i);
      assertEquals("250", ra.get(i)[9], "records_used of chunk " + i);
    }
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.junit.jupiter.api.Assertions.assertArrayEquals(
        Checkpoint.latest(conf, b.toString()).loadModel(conf).params().data().asFloat(),
        Checkpoint.latest(conf, a.toString()).loadModel(conf).params().data().asFloat(), "final parameters");
  }

  /**
   * One chunk in each layout: the checkpoints hold the same NCHW network, and its parameters and
   * the chunk's loss agree within float rounding of the two layouts' kernels (a ReLU input within
   * rounding of zero can take the other side, hence a tolerance against the parameters' move).
   */
  @Test
  void bothTrainingLayoutsTrainTheSameNetwork() throws Exception {
    TrainConfig last = tiny(1.0 / 3);
    last.minibatchStorage = "MEMORY_ONLY";
    Path a = tmp.resolve("channels-last");
    new Trainer(spark, last, a.toString(), BadRecordPolicy.FAIL).run();
    TrainConfig first = tiny(1.0 / 3);
    first.minibatchStorage = "MEMORY_ONLY";
    first.trainingLayout = TrainConfig.CHANNELS_FIRST;
    Path b = tmp.resolve("channels-first");
    new Trainer(spark, first, b.toString(), BadRecordPolicy.FAIL).run();
    for (int column : new int[] {4, 8}) { // loss, pretext_loss
      double valueLast = Double.parseDouble(metrics(a).get(0)[column]);
      double valueFirst = Double.parseDouble(metrics(b).get(0)[column]);
      assertEquals(valueFirst, valueLast, 0.01 * valueFirst, "metrics.csv column " + column);
    }
    org.apache.hadoop.conf.Configuration conf = new org.apache.hadoop.conf.Configuration();
    org.deeplearning4j.nn.graph.ComputationGraph netLast = Checkpoint.latest(conf, a.toString()).loadModel(conf);
    org.deeplearning4j.nn.graph.ComputationGraph netFirst = Checkpoint.latest(conf, b.toString()).loadModel(conf);
    assertEquals(netFirst.getConfiguration().toJson(), netLast.getConfiguration().toJson(), "the checkpointed network");
    // the network both started from (seeded initialisation)
    org.deeplearning4j.nn.graph.ComputationGraph untrained = org.selfsup.tasks.Tasks.forName("rotation")
        .buildModel(Optimisation.base(first, 0.1), Trainer.trunkConfig(first), 10);
    double moved = netFirst.params().sub(untrained.params()).amaxNumber().doubleValue();
    double apart = netLast.params().sub(netFirst.params()).amaxNumber().doubleValue();
    assertTrue(moved > 1e-3 && apart <= 0.05 * moved, "parameters moved up to " + moved + ", the layouts are " + apart + " apart");
  }
}
