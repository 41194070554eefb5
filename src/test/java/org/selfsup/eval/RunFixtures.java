package org.selfsup.eval;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.TrunkConfig;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;

/**
 * Pretraining workdirs made without Spark: the quickstart's trunk (ResNet50 v2, k=1, small input,
 * one block per stage) for a task, after two SGD steps on random inputs (so that weights and
 * batch-norm statistics are not their initial values), saved as a checkpoint, with a metrics.csv.
 */
public final class RunFixtures {
  private RunFixtures() {}

  public static TrainConfig quickstartConfig(String task, int inputSize) {
    TrainConfig cfg = TrainConfig.forTask(task);
    cfg.architecture = "resnet50v2";
    cfg.filtersFactor = 1;
    cfg.smallInput = true;
    cfg.inputSize = inputSize;
    cfg.blocksPerStage = new int[] {1, 1, 1};
    cfg.batchNormDecay = 0.9;
    cfg.taskOptions.embedDim = 8;
    cfg.taskOptions.headHidden = 8;
    cfg.datasetDir = "src/test/resources/fashion_mnist_sample";
    return cfg;
  }

  /**
   * A workdir with checkpoints at steps 2 and {@code step} and metrics.csv rows for steps 0, 2,
   * step and step + 3 (a row written after the last checkpoint). {@code input}: [C, H, W] of
   * one training example.
   */
  public static Path run(Path workdir, TrainConfig cfg, long step, long... input) throws IOException {
    Task task = Tasks.create(cfg.task, cfg.taskOptions, new Configuration());
    TrunkConfig trunk = Trainer.trunkConfig(cfg);
    ComputationGraph model = task.buildModel(Optimisation.base(cfg, 0.1), trunk, 10);
    Nd4j.getRandom().setSeed(7);
    for (int s = 0; s < 2; s++) {
      model.fit(randomBatch(input, task, 10));
    }
    Checkpoint.State state = new Checkpoint.State();
    state.config = cfg;
    state.numOutputs = task.numOutputs(10);
    state.endpoints = task.endpoints(trunk, 10);
    state.steps = 2;
    state.imagesSeen = 32;
    Checkpoint.save(new Configuration(), workdir.toString(), model, state);
    model.fit(randomBatch(input, task, 10));
    state.steps = step;
    state.imagesSeen = 16 * step;
    state.epochsDone = 0.25;
    Checkpoint.save(new Configuration(), workdir.toString(), model, state);
    Files.write(workdir.resolve("metrics.csv"), ("time,epoch,step,images_seen,loss,pretext_accuracy,learning_rate,"
        + "images_per_second,pretext_loss,records_used,records_skipped\n"
        + "2026-01-01T00:00:00Z,0.0,0,0,,0.25,0.0,,1.3863,0,0\n"
        + "2026-01-01T00:01:00Z,0.1,2,32,1.2,0.5,0.1,40.5,1.25,32,0\n"
        + "2026-01-01T00:02:00Z,0.25," + step + "," + 16 * step + ",0.75,0.875,0.05,42.0,0.9,64,1\n"
        + "2026-01-01T00:03:00Z,0.3," + (step + 3) + ",999,0.5,0.9,0.05,42.0,0.8,96,1\n")
        .getBytes(StandardCharsets.UTF_8));
    return workdir;
  }

  /** Random inputs of the network's input shape with random one-hot labels. */
  private static DataSet randomBatch(long[] shape, Task task, int classes) {
    int n = 4;
    INDArray x = Nd4j.rand(DataType.FLOAT, n, shape[0], shape[1], shape[2]);
    int outputs = task.numOutputs(classes);
    INDArray y = Nd4j.zeros(DataType.FLOAT, n, outputs);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i % outputs, 1);
    }
    return new DataSet(x, y);
  }
}
