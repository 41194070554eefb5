package org.selfsup.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.SpecCheck;
import org.selfsup.tasks.Recipe;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskOptions;
import org.selfsup.tasks.Tasks;

/**
 * Everything that defines a pretraining run: configs as data, stored with every checkpoint. The
 * field initialisers (the default task's recipe, and {@link #forTask}'s per-task one) are the one set of defaults: the
 * pretrain command only overrides the fields whose flags were given, and {@link #validate} checks
 * them all before Spark starts.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public final class TrainConfig implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  /** {@link #trainingLayout}: NHWC maps. */
  public static final String CHANNELS_LAST = "channels_last";
  /** {@link #trainingLayout}: NCHW maps. */
  public static final String CHANNELS_FIRST = "channels_first";

  // what is trained
  public String task = Tasks.defaultType().name();
  public String architecture = Tasks.defaultType().recipe().architecture;
  public int filtersFactor = 4;
  public int inputSize = Tasks.defaultType().recipe().inputSize;
  public boolean smallInput;
  public int[] blocksPerStage = defaultBlocksPerStage(architecture);
  public String preprocess; // null: the task's default training spec
  public double batchNormDecay = 0.99; // the original's; 0.9 suits runs of a few hundred steps
  public TaskOptions taskOptions = new TaskOptions();

  // data
  public String dataset = DatasetLayout.DEFAULT_NAME;
  public String datasetDir;
  public String split = DatasetLayout.TRAIN;
  public int numClasses = -1; // -1: the layout's
  public int labelOffset = 1;

  // optimisation (method spec: SGD momentum 0.9, lr = base_lr * batch / 256, warm-up, x0.1 decays, L2 1e-4)
  public int batchSize = Tasks.defaultType().recipe().batchSize;
  public double epochs = Tasks.defaultType().recipe().epochs;
  public double baseLr = 0.1;
  public double warmupEpochs = 5;
  public double[] decayEpochs = Tasks.defaultType().recipe().decayEpochs();
  public double decayFactor = 0.1;
  public double weightDecay = 1e-4;
  public double momentum = 0.9;
  public long seed = 0;

  // Spark training
  public int numWorkers = -1; // -1: Spark's default parallelism
  public int averagingFrequency = 5;
  /** Spark storage level of a chunk's minibatches while DL4J trains on them (parameter averaging). */
  public String minibatchStorage = "MEMORY_AND_DISK_SER";
  public int chunksPerEpoch = 20;
  public int shuffleBuffer = 10000;
  /** Chunks whose minibatches are built ahead, while the current chunk trains (0 or 1; parameter averaging). */
  public int prefetchChunks = 1;
  /**
   * Layout of the maps while the network trains: channels_last (NHWC, where every layer of the
   * network allows it) or channels_first (NCHW). Not part of the model: checkpoints hold NCHW.
   */
  public String trainingLayout = CHANNELS_LAST;
  public int pretextEvalImages = 256;

  // checkpoints (not part of the model: may change between a run and its resumption)
  /** A checkpoint after every this many chunks, counted from the start of training (and at every epoch end); 0: epoch ends only. */
  public int checkpointEvery = 5;
  /** The newest checkpoints kept in the workdir; older ones are deleted. */
  public int keepCheckpoints = 3;
  /** Images whose header declares more pixels are bad records (IMAGE_TOO_LARGE), never decoded. */
  public long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;

  /**
   * The method spec's recipe for a task (its registration's: architecture, batch, epochs, decays, input
   * size; base_lr 0.1 and 5 warm-up epochs for all). An unknown task keeps the defaults, for
   * {@link #validate} to report.
   */
  public static TrainConfig forTask(String task) {
    TrainConfig c = new TrainConfig();
    c.task = task;
    Tasks.find(task).ifPresent(t -> {
      Recipe r = t.recipe();
      c.architecture = r.architecture;
      c.blocksPerStage = defaultBlocksPerStage(r.architecture);
      c.batchSize = r.batchSize;
      c.epochs = r.epochs;
      c.decayEpochs = r.decayEpochs();
      c.inputSize = r.inputSize;
    });
    return c;
  }

  /** The architecture's default blocks per stage; for an unknown name (which {@link #validate} reports), ResNet50's. */
  public static int[] defaultBlocksPerStage(String architecture) {
    return Architectures.find(architecture).map(Architecture::defaultBlocksPerStage).orElse(new int[] {3, 4, 6, 3});
  }

  /**
   * Checks every field a flag sets, before any SparkSession exists; each failure is a {@link
   * UserError} naming the flag. Reads through {@code hadoop} the files the run needs: jigsaw's
   * --permutations_path (whose size it records in {@code taskOptions.numPermutations}, which
   * the resume check compares) and the split's shard list.
   */
  public void validate(Configuration hadoop) {
    Tasks.checkName(task);
    Architecture arch = Architectures.get(architecture);
    require(filtersFactor >= 1, "--filters_factor must be >= 1, not " + filtersFactor);
    require(inputSize >= 8, "--input_size must be >= 8, not " + inputSize);
    arch.checkBlocksPerStage(blocksPerStage);
    require(batchNormDecay > 0 && batchNormDecay < 1, "--batch_norm_decay must be between 0 and 1, not " + batchNormDecay);
    DatasetLayout layout = DatasetLayout.forName(dataset);
    require(DatasetLayout.SPLITS.contains(split), "--split must be one of " + String.join(", ", DatasetLayout.SPLITS)
        + ", not '" + split + "'");
    require(numClasses == -1 || numClasses >= 1, "--num_classes must be >= 1, not " + numClasses);
    require(labelOffset >= 0, "--label_offset must be >= 0, not " + labelOffset);
    require(batchSize >= 1, "--batch_size must be >= 1, not " + batchSize);
    require(positive(epochs), "--epochs must be > 0, not " + epochs);
    require(positive(baseLr), "--base_lr must be > 0, not " + baseLr);
    require(Double.isFinite(warmupEpochs) && warmupEpochs >= 0, "--warmup_epochs must be >= 0, not " + warmupEpochs);
    require(decayEpochs != null, "--decay_epochs must list epochs (e.g. 15,25)");
    for (int i = 0; i < decayEpochs.length; i++) {
      require(positive(decayEpochs[i]) && (i == 0 || decayEpochs[i] > decayEpochs[i - 1]),
          "--decay_epochs must be increasing epochs > 0, not " + join(decayEpochs));
    }
    require(Double.isFinite(weightDecay) && weightDecay >= 0, "--weight_decay must be >= 0, not " + weightDecay);
    require(numWorkers == -1 || numWorkers >= 1, "--num_workers must be >= 1, not " + numWorkers);
    require(averagingFrequency >= 1, "--averaging_frequency must be >= 1, not " + averagingFrequency);
    TrainingMasters.storageLevelName(minibatchStorage);
    require(prefetchChunks == 0 || prefetchChunks == 1, "--prefetch_chunks must be 0 or 1, not " + prefetchChunks);
    require(CHANNELS_LAST.equals(trainingLayout) || CHANNELS_FIRST.equals(trainingLayout),
        "--training_layout must be " + CHANNELS_LAST + " or " + CHANNELS_FIRST + ", not " + trainingLayout);
    require(pretextEvalImages >= 0, "--pretext_eval_images must be >= 0 (0: no held-out probe), not " + pretextEvalImages);
    checkCheckpointing();
    ReadOptions.checkMaxImagePixels(maxImagePixels);
    require(datasetDir != null && !datasetDir.isBlank(), "--dataset_dir must name the folder of TFRecord shards");

    Task built = Tasks.create(task, taskOptions, hadoop);
    built.checkBatch(batchSize);
    built.recordResolvedOptions(taskOptions);
    built.numOutputs(numClasses > 0 ? numClasses : layout.numClasses());
    // names the folder and pattern when the split has no shards
    List<String> files = layout.files(hadoop, datasetDir, split);
    TFRecordSource.SampleImage sample = TFRecordSource.sampleImage(hadoop, files.get(0), 16, maxImagePixels);
    SpecCheck.check("--preprocess", preprocess != null ? preprocess : built.trainSpec(inputSize), built, inputSize,
        sample == null ? null : sample.encoded, sample == null ? null : "the dataset's " + sample);
  }

  private static boolean positive(double v) {
    return Double.isFinite(v) && v > 0;
  }

  private static void require(boolean ok, String message) {
    UserError.require(ok, message);
  }

  private static String join(int[] values) {
    return Arrays.stream(values).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
  }

  private static String join(double[] values) {
    return Arrays.stream(values).mapToObj(v -> v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v)
        : Double.toString(v)).collect(java.util.stream.Collectors.joining(","));
  }

  /** Checks the checkpoint flags (--checkpoint_every, --keep_checkpoints, --chunks_per_epoch); needs no Spark. */
  public void checkCheckpointing() {
    require(chunksPerEpoch >= 1, "--chunks_per_epoch must be >= 1, not " + chunksPerEpoch);
    require(checkpointEvery >= 0, "--checkpoint_every must be >= 0 (0: at epoch ends only), not " + checkpointEvery);
    require(keepCheckpoints >= 1, "--keep_checkpoints must be >= 1, not " + keepCheckpoints);
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
      throw new UserError("not a training config: " + e.getOriginalMessage());
    }
  }
}
