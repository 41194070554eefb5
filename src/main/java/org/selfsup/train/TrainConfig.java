package org.selfsup.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.Serializable;
import java.util.Arrays;
import org.selfsup.tasks.TaskOptions;

/** Everything that defines a pretraining run: configs as data, stored with every checkpoint. */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  // what is trained
  public String task = "rotation";
  public String architecture = "resnet50v2";
  public int filtersFactor = 4;
  public int inputSize = 224;
  public boolean smallInput;
  public int[] blocksPerStage = {3, 4, 6, 3};
  public String preprocess; // null: the task's default training spec
  public double batchNormDecay = 0.99; // the original's; 0.9 suits runs of a few hundred steps
  public TaskOptions taskOptions = new TaskOptions();

  // data
  public String dataset = "fashion_mnist";
  public String datasetDir;
  public String split = "train";
  public int numClasses = -1;
  public int labelOffset = 1;

  // optimisation (method spec: SGD momentum 0.9, lr = base_lr * batch / 256, warm-up, x0.1 decays, L2 1e-4)
  public int batchSize = 64;
  public double epochs = 35;
  public double baseLr = 0.1;
  public double warmupEpochs = 5;
  public double[] decayEpochs = {15, 25};
  public double decayFactor = 0.1;
  public double weightDecay = 1e-4;
  public double momentum = 0.9;
  public long seed = 0;

  // Spark training
  public String trainingMaster = "parameter_averaging";
  public int numWorkers = -1; // -1: Spark's default parallelism
  public int averagingFrequency = 5;
  /** Spark storage level of a chunk's minibatches while DL4J trains on them (parameter averaging). */
  public String minibatchStorage = "MEMORY_AND_DISK_SER";
  public String networkMask = "127.0.0.0/8"; // shared: the subnet of the executors
  public String controllerAddress = "127.0.0.1"; // shared: the driver's address
  public int chunksPerEpoch = 20;
  public int shuffleBuffer = 10000;
  public int pretextEvalImages = 256;

  // checkpoints (not part of the model: may change between a run and its resumption)
  /** A checkpoint after every this many chunks, counted from the start of training (and at every epoch end); 0: epoch ends only. */
  public int checkpointEvery = 5;
  /** The newest checkpoints kept in the workdir; older ones are deleted. */
  public int keepCheckpoints = 3;

  /** The method spec's recipe for a task (batch, epochs, decays; base_lr 0.1 and 5 warm-up epochs for all). */
  public static TrainConfig forTask(String task) {
    TrainConfig c = new TrainConfig();
    c.task = task;
    switch (task) {
      case "supervised":
        c.architecture = "resnet50v2";
        c.batchSize = 256;
        c.epochs = 90;
        c.decayEpochs = new double[] {30, 60, 80};
        break;
      case "exemplar":
        c.architecture = "resnet50v1";
        c.batchSize = 64; // images; 8 copies each
        break;
      case "jigsaw":
      case "relative_patch_location":
        c.architecture = "resnet50v1";
        c.batchSize = 128;
        c.inputSize = 255;
        break;
      default: // rotation (the paper's best is RevNet50 x16; ResNet50 v2 is the closest trunk here)
        c.batchSize = 64;
        c.epochs = 35;
        c.decayEpochs = new double[] {15, 25};
    }
    return c;
  }

  /** Checks the checkpoint flags (--checkpoint_every, --keep_checkpoints, --chunks_per_epoch); needs no Spark. */
  public void checkCheckpointing() {
    org.selfsup.runtime.UserError.require(chunksPerEpoch >= 1, "--chunks_per_epoch must be >= 1, not " + chunksPerEpoch);
    org.selfsup.runtime.UserError.require(checkpointEvery >= 0,
        "--checkpoint_every must be >= 0 (0: at epoch ends only), not " + checkpointEvery);
    org.selfsup.runtime.UserError.require(keepCheckpoints >= 1, "--keep_checkpoints must be >= 1, not " + keepCheckpoints);
  }

  /** The fields that must match for a checkpoint to be resumed with this config. */
  public String modelIdentity() {
    return String.format("task=%s architecture=%s filters_factor=%d input_size=%d small_input=%s blocks=%s",
        task, architecture, filtersFactor, inputSize, smallInput, Arrays.toString(blocksPerStage))
        + (batchNormDecay == 0.99 ? "" : " batch_norm_decay=" + batchNormDecay)
        + taskOptions.modelIdentity(task);
  }

  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static TrainConfig fromJson(String json) {
    try {
      return JSON.readValue(json, TrainConfig.class);
    } catch (JsonProcessingException e) {
      throw new org.selfsup.runtime.UserError("not a training config: " + e.getOriginalMessage());
    }
  }
}
