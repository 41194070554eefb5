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
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one trainer: pretrains a task's network on a TFRecord dataset with DL4J on Spark.
 *
 * <p>An epoch is cut into chunks of whole shards (shard order shuffled per epoch); each chunk is
 * augmented on the executors and handed to DL4J's Spark training (a TrainingMaster); between
 * chunks the driver sets the learning rate of the schedule, logs progress and writes metrics.
 * A checkpoint closes every epoch; running the same command again resumes from the newest one.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final SparkSession spark;
  private final TrainConfig cfg;
  private final String workdir;
  private final BadRecordPolicy onBadRecord;

  public Trainer(SparkSession spark, TrainConfig cfg, String workdir, BadRecordPolicy onBadRecord) {
    this.spark = spark;
    this.cfg = cfg;
    this.workdir = workdir;
    this.onBadRecord = onBadRecord;
  }

  public static TrunkConfig trunkConfig(TrainConfig cfg) {
    TrunkConfig trunk = cfg.smallInput
        ? TrunkConfig.small(cfg.architecture, cfg.filtersFactor, cfg.inputSize, cfg.blocksPerStage)
        : TrunkConfig.standard(cfg.architecture, cfg.filtersFactor, cfg.inputSize).withBlocksPerStage(cfg.blocksPerStage);
    return trunk.withBatchNorm(cfg.batchNormDecay, trunk.bnEpsilon);
  }

  public Checkpoint.State run() throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Task task = Tasks.create(cfg.task, cfg.taskOptions, conf);
    task.checkBatch(cfg.batchSize);
    DatasetLayout layout = DatasetLayout.forName(cfg.dataset);
    int datasetClasses = cfg.numClasses > 0 ? cfg.numClasses : layout.numClasses();
    int numOutputs = task.numOutputs(datasetClasses);
    String spec = cfg.preprocess != null ? cfg.preprocess : task.trainSpec(cfg.inputSize);
    List<String> files = layout.files(conf, cfg.datasetDir, cfg.split);
    Map<String, Long> counts = recordCounts(conf, files);
    long imagesPerEpoch = counts.values().stream().mapToLong(Long::longValue).sum();
    if (imagesPerEpoch == 0) {
      throw new IllegalArgumentException("split '" + cfg.split + "' of " + cfg.datasetDir + " has no records");
    }
    LearningRateSchedule schedule = new LearningRateSchedule(cfg.baseLr, cfg.batchSize, cfg.warmupEpochs,
        cfg.decayEpochs, cfg.decayFactor);

    Checkpoint resumed = Checkpoint.latest(conf, workdir);
    Checkpoint.State state;
    ComputationGraph model;
    if (resumed != null) {
      String saved = resumed.state.config.modelIdentity();
      if (!saved.equals(cfg.modelIdentity())) {
        throw new IllegalArgumentException("workdir " + workdir + " holds a checkpoint of " + saved
            + ", not " + cfg.modelIdentity() + "; use another --workdir or the flags of that run");
      }
      state = resumed.state;
      state.config = cfg;
      model = resumed.loadModel(conf);
      LOG.info("resuming from {} ({} epochs done, {} images seen)", resumed.dir, state.epochsDone, state.imagesSeen);
    } else {
      state = new Checkpoint.State();
      state.config = cfg;
      state.numOutputs = numOutputs;
      TrunkConfig trunk = trunkConfig(cfg);
      state.endpoints = task.endpoints(trunk, datasetClasses);
      model = task.buildModel(Optimisation.base(cfg, schedule.peak()), trunk, datasetClasses);
      LOG.info("new {} network for task {}: {} parameters; lr {} (base_lr {} x batch {} / 256)",
          cfg.architecture, task.name(), model.numParams(), schedule.peak(), cfg.baseLr, cfg.batchSize);
    }
    if (state.epochsDone >= cfg.epochs) {
      LOG.info("already trained for {} epochs (asked: {}); nothing to do", state.epochsDone, cfg.epochs);
      return state;
    }

    int workers = cfg.numWorkers > 0 ? cfg.numWorkers : spark.sparkContext().defaultParallelism();
    int examplesPerBatch = cfg.batchSize * task.examplesPerImage();
    SparkComputationGraph sparkNet = new SparkComputationGraph(spark.sparkContext(), model,
        TrainingMasters.create(cfg, workers, examplesPerBatch, workdir));
    BadRecordCounter badRecords = BadRecordCounter.create(spark);
    ReadOptions readOptions = ReadOptions.defaults().withLabelOffset(cfg.labelOffset)
        .withOnBadRecord(onBadRecord).withCounter(badRecords);
    PretextProbe probe = PretextProbe.create(spark, task, spec, layout, cfg, numOutputs, readOptions);
    boolean shared = TrainingMasters.SHARED.equals(cfg.trainingMaster);
    BatchNormCalibration calibration = shared
        ? new BatchNormCalibration(ExampleBatcher.firstImages(spark, files.get(0), cfg.batchSize, task, spec, cfg.seed,
            numOutputs, readOptions))
        : null;
    Progress progress = new Progress(conf, workdir, cfg.epochs, imagesPerEpoch, state);
    LOG.info("training {} on {} images/epoch ({} shards) for {} epochs: {} workers, batch {} images = {} examples, spec '{}'; {}",
        task.name(), imagesPerEpoch, files.size(), cfg.epochs, workers, cfg.batchSize, examplesPerBatch, spec,
        Nd4jSetup.describe());
    if (state.steps == 0) {
      progress.untrained(probe.evaluate(model));
    }
    if (calibration != null) {
      calibration.apply(model); // the workers start from these statistics
    }

    int epoch = (int) Math.floor(state.epochsDone + 1e-9);
    while (state.epochsDone < cfg.epochs - 1e-9) {
      List<List<String>> chunks = chunks(files, epoch);
      double fraction = Math.min(1.0, cfg.epochs - epoch);
      int chunksToRun = (int) Math.ceil(fraction * chunks.size() - 1e-9);
      for (int c = 0; c < chunksToRun; c++) {
        double lr = schedule.at(epoch + (c + 0.5) / chunks.size());
        sparkNet.getNetwork().setLearningRate(lr);
        long chunkSeed = cfg.seed * 1_000_003L + epoch * 1009L + c;
        JavaRDD<Row> rows = TFRecordSource.read(spark, chunks.get(c), readOptions).toJavaRDD();
        JavaRDD<DataSet> batches = rows.mapPartitions(new ExampleBatcher(task, spec, cfg.batchSize, numOutputs,
            chunkSeed, cfg.shuffleBuffer, onBadRecord, badRecords));
        if (!shared) { // SharedTrainingMaster caches it by itself
          batches.persist(StorageLevel.fromString(cfg.minibatchStorage));
        }
        long start = System.nanoTime();
        sparkNet.fit(batches);
        if (!shared) {
          batches.unpersist(false);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        // SharedTrainingMaster leaves the score on the network, not where getScore() reads it
        double loss = shared ? sparkNet.getNetwork().score() : sparkNet.getScore();
        if (calibration != null) {
          calibration.apply(sparkNet.getNetwork());
        }
        long images = chunks.get(c).stream().mapToLong(f -> counts.getOrDefault(f, 0L)).sum();
        state.imagesSeen += images;
        state.steps += (images + cfg.batchSize - 1) / cfg.batchSize;
        state.trainSeconds += seconds;
        state.epochsDone = Math.min(cfg.epochs, (c + 1 == chunks.size()) ? epoch + 1 : epoch + (double) (c + 1) / chunks.size());
        progress.chunkDone(state, loss, probe.evaluate(sparkNet.getNetwork()), lr, images, seconds);
      }
      state.epochsDone = Math.min(cfg.epochs, epoch + fraction);
      Path saved = Checkpoint.save(conf, workdir, sparkNet.getNetwork(), state);
      LOG.info("checkpoint {} ({} epochs)", saved, state.epochsDone);
      if (badRecords.total() > 0) {
        LOG.warn("{}", badRecords.summary());
      }
      epoch++;
    }
    return state;
  }

  /** This epoch's shards in a shuffled order, cut into about chunksPerEpoch groups. */
  List<List<String>> chunks(List<String> files, int epoch) {
    List<String> order = new ArrayList<>(files);
    Collections.shuffle(order, new java.util.Random(cfg.seed * 31 + epoch));
    int n = Math.max(1, Math.min(cfg.chunksPerEpoch, order.size()));
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new ArrayList<>(order.subList(i * order.size() / n, (i + 1) * order.size() / n)));
    }
    return out;
  }

  /** Records per shard: counted once (one pass over the split), then kept in the workdir. */
  private Map<String, Long> recordCounts(Configuration conf, List<String> files) throws IOException {
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
    for (Row r : TFRecordSource.read(spark, files, options)
        .groupBy(SlimSchema.FILE).count().collectAsList()) {
      counts.put(r.getString(0), r.getLong(1));
    }
    fs.mkdirs(new Path(workdir));
    try (OutputStream out = fs.create(cache, true)) {
      JSON.writeValue(out, counts);
    }
    return counts;
  }
}
