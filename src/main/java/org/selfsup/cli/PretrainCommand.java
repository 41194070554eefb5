package org.selfsup.cli;

import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Binds the flags to a {@link TrainConfig}: the defaults are the config's (the fields below start
 * from them, which is what --help shows), the per-task ones ({@link TrainConfig#forTask}) apply
 * where a flag is left out. Every flag is checked by {@link TrainConfig#validate} before Spark starts.
 * The help texts that name tasks or architectures come from their registries ({@link RegistryHelp}).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true, resourceBundle = "org.selfsup.cli.RegistryHelp",
    description = "Pretrain a network on a pretext task (or the supervised baseline) with DL4J on Spark. "
        + "Checkpoints every --checkpoint_every chunks and every epoch in --workdir; the same command again resumes "
        + "from the newest intact one.")
final class PretrainCommand implements Callable<Integer>, ChecksBeforeSpark {
  private static final TrainConfig DEFAULTS = new TrainConfig();

  @Mixin DatasetOptions data = new DatasetOptions();

  @Option(names = "--workdir", required = true, description = "Checkpoints, metrics.csv (any Hadoop path).")
  String workdir;

  @Option(names = "--task", description = "The pretext task, or the supervised baseline (default: ${DEFAULT-VALUE}).")
  String task = DEFAULTS.task;

  @Mixin TaskFlags taskFlags = new TaskFlags();

  // the task's recipe when left out (TrainConfig.forTask)
  @Option(names = "--architecture", description = "The trunk (default: the task's).")
  String architecture;

  @Option(names = "--input_size", description = "Square network input in pixels (default: the task's).")
  Integer inputSize;

  @Option(names = "--batch_size", description = "Images per minibatch (default: the task's).")
  Integer batchSize;

  @Option(names = "--epochs", description = "Epochs, may be fractional (default: the task's).")
  Double epochs;

  @Option(names = "--decay_epochs", split = ",",
      description = "Increasing epochs at which lr is multiplied by 0.1 (default: the task's).")
  double[] decayEpochs;

  // the same for every task: the fields start from TrainConfig's defaults
  @Option(names = "--filters_factor", description = "Widening factor k; 4 = standard ResNet50 width (default: ${DEFAULT-VALUE}).")
  int filtersFactor = DEFAULTS.filtersFactor;

  @Option(names = "--small_input", description = "The architecture's variant for 28-64 px images (ResNet: 3x3 stride-1 root conv, no max-pool).")
  boolean smallInput = DEFAULTS.smallInput;

  @Option(names = "--blocks_per_stage", split = ",",
      description = "Blocks per stage, one positive count per stage (default: the architecture's).")
  int[] blocksPerStage;

  @Option(names = "--batch_norm_decay",
      description = "Decay of the batch-norm running statistics, in (0, 1) (the original's ${DEFAULT-VALUE}; 0.9 for short runs).")
  double batchNormDecay = DEFAULTS.batchNormDecay;

  @Option(names = "--preprocess", description = "Training preprocessing spec (default: the task's, at --input_size).")
  String preprocess;

  @Option(names = "--split", description = "Split to train on (default: ${DEFAULT-VALUE}).")
  String split = DEFAULTS.split;

  @Option(names = "--num_classes", description = "Classes of the dataset (default: the layout's).")
  Integer numClasses;

  @Option(names = "--base_lr", description = "lr = base_lr x batch / 256; batch = --batch_size, times the workers "
      + "under parameter averaging (default: ${DEFAULT-VALUE}).")
  double baseLr = DEFAULTS.baseLr;

  @Option(names = "--warmup_epochs", description = "Linear warm-up epochs (default: ${DEFAULT-VALUE}).")
  double warmupEpochs = DEFAULTS.warmupEpochs;

  @Option(names = "--weight_decay", description = "L2 weight decay (default: ${DEFAULT-VALUE}).")
  double weightDecay = DEFAULTS.weightDecay;

  @Option(names = "--seed", description = "Seed of initialisation, shuffling and augmentation (default: ${DEFAULT-VALUE}).")
  long seed = DEFAULTS.seed;

  @Option(names = "--num_workers", description = "Training workers (default: Spark's default parallelism).")
  Integer numWorkers;

  @Option(names = "--averaging_frequency", description = "Minibatches per worker between parameter averages (default: ${DEFAULT-VALUE}).")
  int averagingFrequency = DEFAULTS.averagingFrequency;

  @Option(names = "--minibatch_storage",
      description = "Spark storage level of a chunk's minibatches while DL4J trains on them: MEMORY_AND_DISK_SER "
          + "(spills to disk, Spark counts their bytes) or MEMORY_ONLY (no Kryo round trip of the arrays: "
          + "faster where a chunk fits in the executors' memory, as in local mode) (default: ${DEFAULT-VALUE}).")
  String minibatchStorage = DEFAULTS.minibatchStorage;

  @Option(names = "--prefetch_chunks",
      description = "1: build the next chunk's minibatches on the executors while the current chunk trains, where "
          + "training leaves task slots free; 0: "
          + "build each chunk's before training it (parameter averaging; the progress line shows the share of "
          + "time training waited for them) (default: ${DEFAULT-VALUE}).")
  int prefetchChunks = DEFAULTS.prefetchChunks;

  @Option(names = "--training_layout",
      description = "Layout of the maps while the network trains: channels_last (NHWC; oneDNN's convolutions and "
          + "batch norm take them without conversions; used where every layer allows it, not in the "
          + "patch tasks, and on the CPU backend) or channels_first (NCHW). Checkpoints are NCHW either way (default: ${DEFAULT-VALUE}).")
  String trainingLayout = DEFAULTS.trainingLayout;

  @Option(names = "--chunks_per_epoch", description = "Progress lines (and lr updates) per epoch (default: ${DEFAULT-VALUE}).")
  int chunksPerEpoch = DEFAULTS.chunksPerEpoch;

  @Option(names = "--pretext_eval_images",
      description = "Held-out images (the first of the val split, else of the training split) on which every progress "
          + "line measures the pretext loss and accuracy, on the driver; 0: none. Near 100% accuracy the loss rests on "
          + "a few errors: more images, a steadier curve (default: ${DEFAULT-VALUE}).")
  int pretextEvalImages = DEFAULTS.pretextEvalImages;

  @Option(names = "--checkpoint_every",
      description = "A checkpoint after every this many chunks (and at every epoch end); 0: epoch ends only (default: ${DEFAULT-VALUE}).")
  int checkpointEvery = DEFAULTS.checkpointEvery;

  @Option(names = "--keep_checkpoints",
      description = "The newest checkpoints kept in --workdir; older ones are deleted (default: ${DEFAULT-VALUE}).")
  int keepCheckpoints = DEFAULTS.keepCheckpoints;

  @Override
  public Integer call() throws Exception {
    TrainConfig cfg = validated();
    SparkSession spark = SparkSessions.getOrCreate("selfsup pretrain " + cfg.task);
    Checkpoint.State state = new Trainer(spark, cfg, workdir, data.onBadRecord).run();
    System.out.printf("pretrained %s %s k=%d: %.2f epochs, %d images, %.0f s of training; checkpoints in %s%n",
        cfg.task, cfg.architecture, cfg.filtersFactor, state.epochsDone, state.imagesSeen, state.trainSeconds,
        Checkpoint.root(workdir));
    return 0;
  }

  @Override
  public void checkBeforeSpark() {
    validated();
  }

  private TrainConfig validated() {
    TrainConfig cfg = config();
    cfg.validate(SparkSessions.hadoopConfiguration());
    return cfg;
  }

  /** The task's recipe with the given flags on top (not yet checked). */
  TrainConfig config() {
    TrainConfig cfg = TrainConfig.forTask(task);
    if (architecture != null) {
      cfg.architecture = architecture;
    }
    if (inputSize != null) {
      cfg.inputSize = inputSize;
    }
    if (batchSize != null) {
      cfg.batchSize = batchSize;
    }
    if (epochs != null) {
      cfg.epochs = epochs;
    }
    if (decayEpochs != null) {
      cfg.decayEpochs = decayEpochs;
    }
    cfg.taskOptions = taskFlags.toOptions(seed);
    cfg.filtersFactor = filtersFactor;
    cfg.smallInput = smallInput;
    cfg.blocksPerStage = blocksPerStage != null ? blocksPerStage : TrainConfig.defaultBlocksPerStage(cfg.architecture);
    cfg.batchNormDecay = batchNormDecay;
    cfg.preprocess = preprocess;
    cfg.dataset = data.dataset;
    cfg.datasetDir = data.datasetDir;
    cfg.split = split;
    cfg.numClasses = numClasses != null ? numClasses : data.layout().numClasses();
    cfg.labelOffset = data.labelOffset();
    cfg.baseLr = baseLr;
    cfg.warmupEpochs = warmupEpochs;
    cfg.weightDecay = weightDecay;
    cfg.seed = seed;
    cfg.numWorkers = numWorkers != null ? numWorkers : -1;
    cfg.averagingFrequency = averagingFrequency;
    cfg.minibatchStorage = minibatchStorage;
    cfg.prefetchChunks = prefetchChunks;
    cfg.trainingLayout = trainingLayout;
    cfg.chunksPerEpoch = chunksPerEpoch;
    cfg.pretextEvalImages = pretextEvalImages;
    cfg.checkpointEvery = checkpointEvery;
    cfg.keepCheckpoints = keepCheckpoints;
    cfg.maxImagePixels = data.maxImagePixels;
    return cfg;
  }
}
