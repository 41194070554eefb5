package org.selfsup.eval;

import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskOptions;
import org.selfsup.tasks.TaskType;
import org.selfsup.tasks.Tasks;

/**
 * Everything {@code inspect} is asked to do, with the one set of defaults. {@link #validate()}
 * checks every value before Spark starts and gives the {@link Inspection} to run.
 */
public final class InspectConfig {
  public static final String DEFAULT_SPLIT = "train";
  public static final int DEFAULT_NUM_IMAGES = 8;

  public String dataset = EvaluateConfig.DEFAULT_DATASET;
  public String datasetDir;
  /** Null: the dataset's. */
  public Integer labelOffset;
  public BadRecordPolicy onBadRecord = BadRecordPolicy.FAIL;
  public long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;

  /** The split of the histogram and the images. */
  public String split = DEFAULT_SPLIT;
  /** Images decoded, shown and dumped. */
  public int numImages = DEFAULT_NUM_IMAGES;
  /** Null: decode, or the task's training spec. */
  public String preprocess;
  /** Folder for PNG files of the images; null for none. */
  public String dump;
  public long seed;
  /** Show this task's network inputs; null for none. */
  public String task;
  /** With {@link #task}: null for the task's default input size. */
  public Integer inputSize;
  /** With {@link #task}: its options. */
  public TaskOptions taskOptions = new TaskOptions();

  /**
   * Checks every value and builds what the run needs (the spec; the task, reading its files through
   * Hadoop's file systems), without Spark.
   *
   * @throws UserError naming the flag at fault
   */
  public Inspection validate() {
    DatasetLayout layout = DatasetLayout.forName(dataset);
    UserError.require(datasetDir != null && !datasetDir.isEmpty(), "--dataset_dir is required");
    UserError.require(DatasetLayout.SPLITS.contains(split),
        "--split: unknown split '" + split + "'; valid splits: " + String.join(", ", DatasetLayout.SPLITS));
    UserError.require(numImages >= 0, "--num_images must be >= 0, got " + numImages);
    UserError.require(onBadRecord != null, "--on_bad_record must be fail or skip");
    ReadOptions.checkMaxImagePixels(maxImagePixels);
    UserError.require(inputSize == null || task != null, "--input_size needs --task");
    UserError.require(inputSize == null || inputSize > 0, "--input_size must be positive, got " + inputSize);
    UserError.require(dump == null || numImages > 0, "--dump needs --num_images > 0");
    Task shown = null;
    String defaultSpec = "decode";
    if (task != null) {
      TaskType type = Tasks.get(task);
      shown = type.create(taskOptions, SparkSessions.hadoopConfiguration());
      defaultSpec = shown.trainSpec(inputSize != null ? inputSize : type.recipe().inputSize);
    }
    Preprocessing spec = Preprocessing.parse(preprocess != null ? preprocess : defaultSpec);
    UserError.require(spec.startsWithDecode(), "--preprocess must start with decode: '" + spec.spec() + "'");
    if (HadoopFiles.isLocal(datasetDir)) { // remote folders are listed once Spark has their credentials
      layout.files(SparkSessions.hadoopConfiguration(), datasetDir, split);
    }
    int offset = labelOffset != null ? labelOffset : layout.labelOffset();
    return new Inspection(this, layout, offset, spec, shown);
  }
}
