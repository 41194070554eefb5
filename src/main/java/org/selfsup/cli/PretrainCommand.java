package org.selfsup.cli;

import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.DatasetLayout;
import org.selfsup.models.Architectures;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.tasks.JigsawTask;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskOptions;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.TrainingMasters;
import org.selfsup.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Pretrain a network on a pretext task (or the supervised baseline) with DL4J on Spark. "
        + "Checkpoints every --checkpoint_every chunks and every epoch in --workdir; the same command again resumes "
        + "from the newest intact one.")
final class PretrainCommand implements Callable<Integer> {
  @Mixin DatasetOptions data = new DatasetOptions();

  @Option(names = "--workdir", required = true, description = "Checkpoints, metrics.csv (any Hadoop path).")
  String workdir;

  @Option(names = "--task", defaultValue = "rotation",
      description = "rotation, supervised, relative_patch_location, jigsaw or exemplar (default: ${DEFAULT-VALUE}).")
  String task;

  @Mixin TaskFlags taskFlags = new TaskFlags();

  @Option(names = "--architecture",
      description = "resnet50v1 or resnet50v2 (default: the task's; resnet50v2 for rotation and supervised, v1 for the others).")
  String architecture;

  @Option(names = "--filters_factor", defaultValue = "4", description = "Widening factor k; 4 = standard ResNet50 width.")
  int filtersFactor;

  @Option(names = "--input_size",
      description = "Square network input in pixels (default 224; patch tasks: the crop cut into the 3x3 grid, default 255).")
  Integer inputSize;

  @Option(names = "--small_input", description = "3x3 stride-1 root conv, no max-pool: for 28-64 px images.")
  boolean smallInput;

  @Option(names = "--blocks_per_stage", split = ",", description = "Bottleneck blocks per stage (default 3,4,6,3).")
  int[] blocksPerStage = {3, 4, 6, 3};

  @Option(names = "--batch_norm_decay", defaultValue = "0.99",
      description = "Decay of the batch-norm running statistics (the original's 0.99; 0.9 for short runs).")
  double batchNormDecay;

  @Option(names = "--preprocess", description = "Training preprocessing spec (default: the task's, at --input_size).")
  String preprocess;

  @Option(names = "--split", defaultValue = "train", description = "Split to train on (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--num_classes", description = "Classes of the dataset (default: the layout's).")
  Integer numClasses;

  @Option(names = "--batch_size", description = "Images per minibatch (rotation: 4 inputs each). Default: the task's.")
  Integer batchSize;

  @Option(names = "--epochs", description = "Epochs, may be fractional (default: the task's).")
  Double epochs;

  @Option(names = "--base_lr", defaultValue = "0.1", description = "lr = base_lr x batch_size / 256.")
  double baseLr;

  @Option(names = "--warmup_epochs", defaultValue = "5", description = "Linear warm-up epochs.")
  double warmupEpochs;

  @Option(names = "--decay_epochs", split = ",", description = "Epochs at which lr is multiplied by 0.1 (default: the task's).")
  double[] decayEpochs;

  @Option(names = "--weight_decay", defaultValue = "1e-4", description = "L2 weight decay.")
  double weightDecay;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of initialisation, shuffling and augmentation.")
  long seed;

  @Option(names = "--training_master", defaultValue = "parameter_averaging",
      description = "DL4J Spark training: parameter_averaging (default) or shared (gradient sharing over Aeron).")
  String trainingMaster;

  @Option(names = "--num_workers", description = "Training workers (default: Spark's default parallelism).")
  Integer numWorkers;

  @Option(names = "--averaging_frequency", defaultValue = "5", description = "Minibatches per worker between parameter averages.")
  int averagingFrequency;

  @Option(names = "--minibatch_storage", defaultValue = "MEMORY_AND_DISK_SER",
      description = "Spark storage level of a chunk's minibatches while DL4J trains on them: MEMORY_AND_DISK_SER "
          + "(default: spills to disk, Spark counts their bytes) or MEMORY_ONLY (no Kryo round trip of the arrays: "
          + "faster where a chunk fits in the executors' memory, as in local mode).")
  String minibatchStorage;

  @Option(names = "--network_mask", defaultValue = "127.0.0.0/8",
      description = "shared: the subnet of the executors, e.g. 10.0.0.0/16 (default: ${DEFAULT-VALUE}).")
  String networkMask;

  @Option(names = "--controller_address", defaultValue = "127.0.0.1",
      description = "shared: the driver's address as the executors see it (default: ${DEFAULT-VALUE}).")
  String controllerAddress;

  @Option(names = "--chunks_per_epoch", defaultValue = "20", description = "Progress lines (and lr updates) per epoch.")
  int chunksPerEpoch;

  @Option(names = "--checkpoint_every", defaultValue = "5",
      description = "A checkpoint after every this many chunks (and at every epoch end); 0: epoch ends only (default: ${DEFAULT-VALUE}).")
  int checkpointEvery;

  @Option(names = "--keep_checkpoints", defaultValue = "3",
      description = "The newest checkpoints kept in --workdir; older ones are deleted (default: ${DEFAULT-VALUE}).")
  int keepCheckpoints;

  @Override
  public Integer call() throws Exception {
    if (!Tasks.names().contains(task)) {
      throw new IllegalArgumentException("unknown task '" + task + "'; valid: " + String.join(", ", Tasks.names()));
    }
    TrainConfig cfg = TrainConfig.forTask(task);
    if (architecture != null) {
      Architectures.check(architecture);
      cfg.architecture = architecture;
    }
    if (inputSize != null) {
      cfg.inputSize = inputSize;
    }
    DatasetLayout layout = DatasetLayout.forName(data.dataset);
    require(filtersFactor >= 1, "--filters_factor must be >= 1, not " + filtersFactor);
    require(cfg.inputSize >= 8, "--input_size must be >= 8, not " + cfg.inputSize);
    require(batchSize == null || batchSize >= 1, "--batch_size must be >= 1, not " + batchSize);
    require(epochs == null || epochs > 0, "--epochs must be > 0, not " + epochs);
    TaskOptions options = taskFlags.toOptions(seed);
    if (options.permutationsPath == null) {
      Tasks.create(task, options, new Configuration()).checkBatch(batchSize != null ? batchSize : cfg.batchSize);
    }
    SparkSession spark = SparkSessions.getOrCreate("selfsup pretrain " + task);
    Task checked = Tasks.create(task, options, spark.sparkContext().hadoopConfiguration());
    checked.checkBatch(batchSize != null ? batchSize : cfg.batchSize);
    if (checked instanceof JigsawTask) {
      options.numPermutations = ((JigsawTask) checked).permutations().size();
    }
    cfg.taskOptions = options;
    cfg.filtersFactor = filtersFactor;
    cfg.smallInput = smallInput;
    cfg.blocksPerStage = blocksPerStage;
    cfg.preprocess = preprocess;
    cfg.batchNormDecay = batchNormDecay;
    cfg.dataset = data.dataset;
    cfg.datasetDir = data.datasetDir;
    cfg.split = split;
    cfg.numClasses = numClasses != null ? numClasses : layout.numClasses();
    cfg.labelOffset = data.labelOffset != null ? data.labelOffset : layout.labelOffset();
    if (batchSize != null) {
      cfg.batchSize = batchSize;
    }
    if (epochs != null) {
      cfg.epochs = epochs;
    }
    if (decayEpochs != null) {
      cfg.decayEpochs = decayEpochs;
    }
    cfg.baseLr = baseLr;
    cfg.warmupEpochs = warmupEpochs;
    cfg.weightDecay = weightDecay;
    cfg.seed = seed;
    cfg.trainingMaster = trainingMaster;
    cfg.numWorkers = numWorkers != null ? numWorkers : -1;
    cfg.averagingFrequency = averagingFrequency;
    cfg.minibatchStorage = TrainingMasters.storageLevelName(minibatchStorage);
    cfg.chunksPerEpoch = chunksPerEpoch;
    cfg.checkpointEvery = checkpointEvery;
    cfg.keepCheckpoints = keepCheckpoints;
    cfg.networkMask = networkMask;
    cfg.controllerAddress = controllerAddress;
    Checkpoint.State state = new Trainer(spark, cfg, workdir, data.onBadRecord).run();
    System.out.printf("pretrained %s %s k=%d: %.2f epochs, %d images, %.0f s of training; checkpoints in %s%n",
        task, cfg.architecture, filtersFactor, state.epochsDone, state.imagesSeen, state.trainSeconds,
        Checkpoint.root(workdir));
    return 0;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
