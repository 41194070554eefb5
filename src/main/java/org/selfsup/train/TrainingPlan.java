package org.selfsup.train;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pretraining run will do, computed and checked before any training: the task, the
 * shards and their record counts, the learning-rate schedule, how each epoch is cut into chunks
 * and which chunks close with a checkpoint. Everything a chunk depends on (its shards, seed and
 * learning rate) is a function of (seed, epoch, chunk), so a resumed run trains the chunks an
 * uninterrupted one would.
 */
final class TrainingPlan {
  private static final Logger LOG = LoggerFactory.getLogger(TrainingPlan.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  final TrainConfig cfg;
  final Task task;
  final DatasetLayout layout;
  final int datasetClasses;
  final int numOutputs;
  final String spec;
  final List<String> files;
  final Map<String, Long> counts;
  final long imagesPerEpoch;
  final LearningRateSchedule schedule;
  final int workers;
  final int examplesPerBatch;
  /** Chunks of every epoch (each a group of whole shards). */
  final int chunksPerEpoch;
  /** {@link Task#checksum()}: what the network is trained against beyond the config (jigsaw: its permutation set); null for most tasks. */
  final String permutationsSha256;

  private TrainingPlan(TrainConfig cfg, Task task, DatasetLayout layout, List<String> files, Map<String, Long> counts,
      int workers) {
    this.cfg = cfg;
    this.task = task;
    this.layout = layout;
    this.datasetClasses = cfg.numClasses > 0 ? cfg.numClasses : layout.numClasses();
    this.numOutputs = task.numOutputs(datasetClasses);
    this.spec = cfg.preprocess != null ? cfg.preprocess : task.trainSpec(cfg.inputSize);
    this.files = files;
    this.counts = counts;
    this.imagesPerEpoch = files.stream().mapToLong(f -> counts.getOrDefault(f, 0L)).sum();
    this.workers = workers;
    this.schedule = schedule(cfg, workers);
    this.examplesPerBatch = cfg.batchSize * task.examplesPerImage();
    this.chunksPerEpoch = Math.max(1, Math.min(cfg.chunksPerEpoch, files.size()));
    this.permutationsSha256 = task.checksum();
  }

  /**
   * The paper's rule, lr = base_lr × batch / 256, with batch the global batch (the original's TPU
   * batch, split over its cores): with parameter averaging the workers' steps are averaged, so
   * they move the network as one step of workers × batch_size images would.
   */
  static LearningRateSchedule schedule(TrainConfig cfg, int workers) {
    return new LearningRateSchedule(cfg.baseLr, globalBatch(cfg, workers), cfg.warmupEpochs, cfg.decayEpochs,
        cfg.decayFactor);
  }

  /** Images per averaged step: batch_size × workers. */
  static int globalBatch(TrainConfig cfg, int workers) {
    return cfg.batchSize * workers;
  }

  /** Checks the config, lists the split's shards and counts their records (once per workdir). */
  static TrainingPlan create(SparkSession spark, TrainConfig cfg, String workdir, BadRecordPolicy onBadRecord)
      throws IOException {
    UserError.require(cfg.epochs > 0, "--epochs must be > 0, not " + cfg.epochs);
    cfg.checkCheckpointing();
    schedule(cfg, 1);
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Task task = Tasks.create(cfg.task, cfg.taskOptions, conf);
    task.checkBatch(cfg.batchSize);
    DatasetLayout layout = DatasetLayout.forName(cfg.dataset);
    List<String> files = layout.files(conf, cfg.datasetDir, cfg.split);
    Map<String, Long> counts = recordCounts(spark, cfg, workdir, onBadRecord, files);
    int workers = cfg.numWorkers > 0 ? cfg.numWorkers : spark.sparkContext().defaultParallelism();
    TrainingPlan plan = new TrainingPlan(cfg, task, layout, files, counts, workers);
    if (plan.imagesPerEpoch == 0) {
      throw new UserError("split '" + cfg.split + "' of " + cfg.datasetDir + " has no records");
    }
    return plan;
  }

  /** This epoch's shards in a shuffled order, cut into {@link #chunksPerEpoch} groups. */
  List<List<String>> chunks(int epoch) {
    List<String> order = new ArrayList<>(files);
    Collections.shuffle(order, new Random(cfg.seed * 31 + epoch));
    int n = chunksPerEpoch;
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>(order.subList(i * order.size() / n, (i + 1) * order.size() / n)));
    }
    return out;
  }

  /** How many of the epoch's chunks the run trains: all, fewer in a last fractional epoch, none past the end. */
  int chunksToRun(int epoch) {
    double fraction = Math.min(1.0, cfg.epochs - epoch);
    return fraction <= 1e-9 ? 0 : (int) Math.ceil(fraction * chunksPerEpoch - 1e-9);
  }

  /** True when chunk {@code chunk} of {@code epoch} is still to train under this plan. */
  boolean hasChunk(int epoch, int chunk) {
    return chunk < chunksToRun(epoch);
  }

  /** The learning rate of a chunk: the schedule at the chunk's middle. */
  double learningRate(int epoch, int chunk) {
    return schedule.at(epoch + (chunk + 0.5) / chunksPerEpoch);
  }

  /** The seed of a chunk's shuffle, augmentation and DL4J's split of it into averaging rounds. */
  long chunkSeed(int epoch, int chunk) {
    return cfg.seed * 1_000_003L + epoch * 1009L + chunk;
  }

  /** Epochs done once chunk {@code chunk} of {@code epoch} is. */
  double epochsDoneAfter(int epoch, int chunk) {
    double done = chunk + 1 == chunksPerEpoch ? epoch + 1 : epoch + (double) (chunk + 1) / chunksPerEpoch;
    return Math.min(cfg.epochs, done);
  }

  /** Checkpoint after a chunk: every --checkpoint_every chunks (counted from the start), at epoch ends and at the end. */
  boolean checkpointAfter(int epoch, int chunk) {
    long index = (long) epoch * chunksPerEpoch + chunk + 1;
    return chunk + 1 == chunksPerEpoch
        || chunk + 1 == chunksToRun(epoch)
        || (cfg.checkpointEvery > 0 && index % cfg.checkpointEvery == 0);
  }

  long images(List<String> chunk) {
    return chunk.stream().mapToLong(f -> counts.getOrDefault(f, 0L)).sum();
  }

  long steps(long images) {
    return (images + cfg.batchSize - 1) / cfg.batchSize;
  }

  /** Records per shard: counted once (one pass over the split), then kept in the workdir. */
  private static Map<String, Long> recordCounts(SparkSession spark, TrainConfig cfg, String workdir,
      BadRecordPolicy onBadRecord, List<String> files) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path cache = new Path(workdir, "record-counts.json");
    FileSystem fs = HadoopFiles.of(cache, conf);
    if (fs.exists(cache)) {
      try (InputStream in = fs.open(cache)) {
        Map<String, Long> counts = JSON.readValue(in, new TypeReference<TreeMap<String, Long>>() {});
        if (counts.keySet().containsAll(files)) {
          return counts;
        }
      }
    }
    LOG.info("counting the records of {} shards (once per workdir)", files.size());
    Map<String, Long> counts = new TreeMap<>();
    for (String f : files) {
      counts.put(f, 0L);
    }
    ReadOptions options = ReadOptions.defaults().withLabelOffset(cfg.labelOffset).withOnBadRecord(onBadRecord)
        .withCounter(BadRecordCounter.create(spark));
    for (Row r : TFRecordSource.read(spark, files, options).groupBy(SlimSchema.FILE).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    fs.mkdirs(new Path(workdir));
    try (OutputStream out = fs.create(cache, true)) {
      JSON.writeValue(out, counts);
    }
    return counts;
  }
}
