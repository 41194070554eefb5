package org.selfsup.train;

import java.io.IOException;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import java.util.concurrent.ExecutionException;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.spark.impl.graph.SparkComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.models.ChannelsLast;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.runtime.UserError;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one trainer: pretrains a task's network on a TFRecord dataset with DL4J on Spark.
 *
 * <p>A {@link TrainingPlan} cuts every epoch into chunks of whole shards (shard order shuffled per
 * epoch); each chunk is augmented on the executors and handed to DL4J's Spark training (a
 * TrainingMaster); between chunks the driver sets the learning rate of the schedule, logs
 * progress and writes metrics. A checkpoint closes every --checkpoint_every chunks and every
 * epoch; running the same command again resumes after the newest intact one, and (with
 * parameter averaging, on one machine) trains exactly what an uninterrupted run would.
 */
public final class Trainer {
  private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
  /** Images whose network inputs TensorBoard shows at step 0. */
  private static final int INPUT_PICTURES = 4;
  private static final String POOL_PROPERTY = "spark.scheduler.pool";
  /** The scheduler pool of the jobs that build minibatches ahead. */
  static final String PREFETCH_POOL = "selfsup-prefetch";

  private final SparkSession spark;
  private final TrainConfig cfg;
  private final String workdir;
  private final BadRecordPolicy onBadRecord;
  private final Configuration conf;
  /** Test hook: stop (as if killed) after this many chunks of this run; 0: never. */
  private int stopAfterChunks;

  public Trainer(SparkSession spark, TrainConfig cfg, String workdir, BadRecordPolicy onBadRecord) {
    this.spark = spark;
    this.cfg = cfg;
    this.workdir = workdir;
    this.onBadRecord = onBadRecord;
    this.conf = spark.sparkContext().hadoopConfiguration();
  }

  /** Makes {@link #run} return after {@code chunks} chunks, without a checkpoint the plan does not call for. */
  Trainer stopAfterChunks(int chunks) {
    this.stopAfterChunks = chunks;
    return this;
  }

  public static TrunkConfig trunkConfig(TrainConfig cfg) {
    Architecture arch = Architectures.get(cfg.architecture);
    TrunkConfig trunk = cfg.smallInput
        ? arch.small(cfg.filtersFactor, cfg.inputSize, cfg.blocksPerStage)
        : arch.standard(cfg.filtersFactor, cfg.inputSize, cfg.blocksPerStage);
    return trunk.withBatchNorm(cfg.batchNormDecay, trunk.bnEpsilon);
  }

  /** The network and progress a run starts from: a checkpoint's, or a new network's. */
  private static final class Start {
    final Checkpoint.State state;
    final ComputationGraph model;

    Start(Checkpoint.State state, ComputationGraph model) {
      this.state = state;
      this.model = model;
    }
  }

  public Checkpoint.State run() throws IOException {
    TrainingPlan plan = TrainingPlan.create(spark, cfg, workdir, onBadRecord);
    logTask(plan);
    Checkpoint resumed = Checkpoint.latest(conf, workdir);
    Start start = resumed != null ? restore(plan, resumed) : fresh(plan);
    Checkpoint.State state = start.state;
    Progress progress = new Progress(conf, workdir, cfg.epochs, plan.imagesPerEpoch, state);
    progress.dropRowsAfter(resumed != null ? state.steps : -1);
    if (!plan.hasChunk(state.nextEpoch, state.nextChunk)) {
      LOG.info("already trained for {} epochs (asked: {}); nothing to do", state.epochsDone, cfg.epochs);
      return state;
    }

    BadRecordCounter badRecords = BadRecordCounter.create(spark);
    ReadOptions readOptions = ReadOptions.defaults().withLabelOffset(cfg.labelOffset)
        .withOnBadRecord(onBadRecord).withCounter(badRecords).withMaxImagePixels(cfg.maxImagePixels);
    // the held-out batch comes from the val split: its records are not the training split's
    BadRecordCounter probeRecords = BadRecordCounter.create(spark.sparkContext(), "probeRecords");
    PretextProbe probe = PretextProbe.create(spark, plan.task, plan.spec, plan.layout, cfg, plan.numOutputs,
        readOptions.withCounter(probeRecords));
    if (probeRecords.total() > 0) {
      LOG.warn("held-out batch: {}", probeRecords.snapshot().summaryLine());
    }
    LOG.info("training {} on {} images/epoch ({} shards, {} chunks) for {} epochs: {} workers ({}), batch {} images = {} "
        + "examples, spec '{}'; checkpoints every {} chunks and at epoch ends, the last {} kept; {}",
        plan.task.name(), plan.imagesPerEpoch, plan.files.size(), plan.chunksPerEpoch, cfg.epochs, plan.workers,
        TrainingMasters.describe(cfg, plan.workers), cfg.batchSize, plan.examplesPerBatch, plan.spec, cfg.checkpointEvery, cfg.keepCheckpoints,
        Nd4jSetup.describe());
    if (state.steps == 0) {
      progress.untrained(probe.evaluate(start.model));
      progress.inputs(InputPictures.first(spark, plan.files.get(0), INPUT_PICTURES, plan.task, plan.spec, cfg.seed,
          readOptions));
    }
    ChunkRunner chunks = new ChunkRunner(plan, start.model, readOptions, badRecords);

    int trained = 0;
    while (plan.hasChunk(state.nextEpoch, state.nextChunk)) {
      int epoch = state.nextEpoch;
      int chunk = state.nextChunk;
      ChunkRunner.Result r = chunks.train(epoch, chunk);
      advance(plan, state, epoch, chunk, r);
      progress.chunkDone(state, r.loss, probe.evaluate(chunks.model), r.learningRate, r.images, r.seconds,
          r.waitSeconds, r.recordsUsed, r.recordsSkipped);
      if (plan.checkpointAfter(epoch, chunk)) {
        checkpoint(chunks.model, state);
        if (badRecords.total() > 0) {
          LOG.warn("{}", badRecords.snapshot().summaryLine());
        }
      }
      if (++trained == stopAfterChunks) {
        LOG.info("stopping after {} chunks, as asked", trained);
        break;
      }
    }
    chunks.dropPrefetched();
    LOG.info("{}", badRecords.snapshot().summaryLine());
    return state;
  }

  /** A new network for the plan's task, and progress at zero. */
  private Start fresh(TrainingPlan plan) {
    Checkpoint.State state = new Checkpoint.State();
    state.config = cfg;
    state.numOutputs = plan.numOutputs;
    state.permutationsSha256 = plan.permutationsSha256;
    TrunkConfig trunk = trunkConfig(cfg);
    state.endpoints = plan.task.endpoints(trunk, plan.datasetClasses);
    ComputationGraph model = plan.task.buildModel(Optimisation.base(cfg, plan.schedule.peak()), trunk,
        plan.datasetClasses);
    int batch = TrainingPlan.globalBatch(cfg, plan.workers);
    LOG.info("new {} network for task {}: {} parameters; lr {} (base_lr {} x batch {} / 256{})",
        cfg.architecture, plan.task.name(), model.numParams(), plan.schedule.peak(), cfg.baseLr, batch,
        batch == cfg.batchSize ? "" : "; " + cfg.batchSize + " images per worker x " + plan.workers + " workers averaged");
    return new Start(state, model);
  }

  /** The checkpoint's network and progress, after checking that it was trained with this model and data. */
  private Start restore(TrainingPlan plan, Checkpoint resumed) throws IOException {
    String saved = resumed.state.config.modelIdentity();
    if (!saved.equals(cfg.modelIdentity())) {
      throw new UserError("workdir " + workdir + " holds a checkpoint of " + saved
          + ", not " + cfg.modelIdentity() + "; use another --workdir or the flags of that run");
    }
    if (plan.permutationsSha256 != null && resumed.state.permutationsSha256 != null) {
      plan.task.requireChecksum(resumed.state.permutationsSha256, "checkpoint " + resumed.dir);
    }
    int chunksThen = resumed.state.config.chunksPerEpoch;
    if (Math.min(chunksThen, plan.files.size()) != plan.chunksPerEpoch) {
      throw new UserError("--chunks_per_epoch " + cfg.chunksPerEpoch + " differs from the " + chunksThen
          + " of the checkpoint " + resumed.dir + " being resumed; it decides where the next chunk starts");
    }
    Checkpoint.State state = resumed.state;
    state.config = cfg;
    ComputationGraph model = resumed.loadModel(conf);
    LOG.info("resuming from {} ({} epochs done, {} images seen, {} steps); next: chunk {} of epoch {}", resumed.dir,
        state.epochsDone, state.imagesSeen, state.steps, state.nextChunk + 1, state.nextEpoch + 1);
    return new Start(state, model);
  }

  /** The state after chunk {@code chunk} of {@code epoch}, pointing at the chunk after it. */
  private static void advance(TrainingPlan plan, Checkpoint.State state, int epoch, int chunk, ChunkRunner.Result r) {
    state.imagesSeen += r.images;
    state.steps += plan.steps(r.images);
    state.trainSeconds += r.seconds;
    state.epochsDone = plan.epochsDoneAfter(epoch, chunk);
    boolean epochEnd = chunk + 1 == plan.chunksPerEpoch;
    state.nextEpoch = epochEnd ? epoch + 1 : epoch;
    state.nextChunk = epochEnd ? 0 : chunk + 1;
  }

  private void checkpoint(ComputationGraph model, Checkpoint.State state) throws IOException {
    Path saved = Checkpoint.save(conf, workdir, model, state);
    Checkpoint.prune(conf, workdir, cfg.keepCheckpoints, saved);
    LOG.info("checkpoint {} ({} epochs, step {})", saved, state.epochsDone, state.steps);
  }

  private static void logTask(TrainingPlan plan) {
    String described = plan.task.describeForLog();
    if (described != null) {
      LOG.info("{} {}", plan.task.name(), described);
    }
  }

  /** Trains one chunk: its shards, augmented with its seed, at its learning rate. */
  private final class ChunkRunner {
    private final TrainingPlan plan;
    /** The network in NCHW, as checkpoints hold it. */
    ComputationGraph model;
    private final ReadOptions readOptions;
    private final BadRecordCounter badRecords;
    /** Whether chunks train a channels-last copy of {@link #model} on NHWC minibatches (--training_layout). */
    private final boolean channelsLast;

    ChunkRunner(TrainingPlan plan, ComputationGraph model, ReadOptions readOptions, BadRecordCounter badRecords) {
      this.plan = plan;
      this.model = model;
      this.readOptions = readOptions;
      this.badRecords = badRecords;
      boolean asked = TrainConfig.CHANNELS_LAST.equals(cfg.trainingLayout);
      boolean allowed = ChannelsLast.supports(model.getConfiguration());
      boolean fast = ChannelsLast.onOneDnnHere();
      this.channelsLast = asked && allowed && fast;
      LOG.info("training layout: {}", channelsLast ? "channels-last (NHWC)" : "channels-first (NCHW)"
          + (!asked ? "" : !allowed ? ", as this network has layers that need it"
              : ", as oneDNN 3 does not run here (not the CPU backend, or helpers off)"));
      String noBarrier = plan.workers > 1 ? BarrierAveraging.unusableBecause(model, plan.workers, spark.sparkContext())
          : "one worker";
      this.barrier = noBarrier == null;
      if (plan.workers > 1) {
        LOG.info("parameter averaging: {}", barrier
            ? "in one barrier stage per chunk, the workers exchanging parameters through the driver"
            : "DL4J's master, a Spark job per round: " + noBarrier);
      }
      // Ahead only where the build cannot take task slots from training workers, which would then wait
      // for each other at every average: where training leaves slots free, or where a chunk trains in one
      // barrier stage that holds every slot until it ends (the next chunk is then built after it, while
      // the driver probes and checkpoints).
      int slots = spark.sparkContext().defaultParallelism();
      this.prefetch = cfg.prefetchChunks > 0 && (plan.workers < slots || barrier);
      if (cfg.prefetchChunks > 0 && !prefetch) {
        LOG.info("--prefetch_chunks {}: not building ahead, the {} workers take all {} task slots", cfg.prefetchChunks,
            plan.workers, slots);
      }
      this.usedThen = badRecords.recordsUsed();
      this.skippedThen = badRecords.total();
    }

    final class Result {
      final double loss;
      final double learningRate;
      final long images;
      final double seconds;
      /** Of {@link #seconds}, the time training waited for the chunk's minibatches. */
      final double waitSeconds;
      final long recordsUsed;
      final long recordsSkipped;

      Result(double loss, double learningRate, long images, double seconds, double waitSeconds, long recordsUsed,
          long recordsSkipped) {
        this.loss = loss;
        this.learningRate = learningRate;
        this.images = images;
        this.seconds = seconds;
        this.waitSeconds = waitSeconds;
        this.recordsUsed = recordsUsed;
        this.recordsSkipped = recordsSkipped;
      }
    }

    /**
     * A chunk's minibatches, persisted and being built on the executors (an asynchronous count),
     * possibly while the chunk before it trains. The scheduler pool keeps the build from taking
     * every task slot from training when spark.scheduler.mode is FAIR.
     */
    private final class Minibatches {
      final int epoch;
      final int chunk;
      final JavaRDD<DataSet> batches;
      final JavaFutureAction<Long> built;

      Minibatches(int epoch, int chunk) {
        this.epoch = epoch;
        this.chunk = chunk;
        long seed = plan.chunkSeed(epoch, chunk);
        JavaRDD<Row> rows = TFRecordSource.read(spark, plan.chunks(epoch).get(chunk), readOptions).toJavaRDD();
        if (plan.workers > 1) {
          rows = WorkerPartitions.spread(rows, plan.workers);
        }
        batches = rows.mapPartitions(new ExampleBatcher(plan.task, plan.spec, cfg.batchSize, plan.numOutputs, seed,
            cfg.shuffleBuffer, readOptions).channelsLast(channelsLast));
        batches.persist(StorageLevel.fromString(cfg.minibatchStorage));
        SparkContext sc = spark.sparkContext();
        String pool = sc.getLocalProperty(POOL_PROPERTY);
        sc.setLocalProperty(POOL_PROPERTY, PREFETCH_POOL);
        try {
          built = batches.countAsync();
        } finally {
          sc.setLocalProperty(POOL_PROPERTY, pool);
        }
      }

      boolean is(int e, int c) {
        return epoch == e && chunk == c;
      }

      void await() {
        try {
          built.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while building the minibatches of chunk " + (chunk + 1), e);
        } catch (ExecutionException e) {
          Throwable cause = e.getCause();
          throw cause instanceof RuntimeException ? (RuntimeException) cause : new IllegalStateException(cause);
        }
      }

      void drop() {
        built.cancel(true);
        batches.unpersist(false);
      }
    }

    /** Whether chunks train in one barrier stage ({@link BarrierAveraging}) rather than on DL4J's master. */
    private final boolean barrier;
    /**
     * The version under which the workers of the last barrier stage kept their networks on the executors,
     * while {@link #model} holds what they ended with; null otherwise.
     */
    private String resident;
    /** Whether the next chunk's minibatches are built while the current one trains. */
    private final boolean prefetch;
    /** The next chunk's minibatches, built ahead (--prefetch_chunks 1); null when none is. */
    private Minibatches ahead;
    /** Records used and skipped up to the last chunk whose minibatches were built. */
    private long usedThen;
    private long skippedThen;

    void dropPrefetched() {
      if (ahead != null) {
        ahead.drop();
        ahead = null;
      }
    }

    Result train(int epoch, int chunk) {
      List<String> shards = plan.chunks(epoch).get(chunk);
      double lr = plan.learningRate(epoch, chunk);
      long seed = plan.chunkSeed(epoch, chunk);
      model.setLearningRate(lr);
      ComputationGraph training = channelsLast ? ChannelsLast.copyOf(model) : model;
      long start = System.nanoTime();
      Minibatches current = ahead != null && ahead.is(epoch, chunk) ? ahead : new Minibatches(epoch, chunk);
      ahead = null;
      current.await();
      double waited = (System.nanoTime() - start) / 1e9;
      // Chunks are built one after another, so the counters now hold exactly this chunk's records on top
      // of the earlier chunks'.
      long used = badRecords.recordsUsed() - usedThen;
      long skipped = badRecords.total() - skippedThen;
      usedThen += used;
      skippedThen += skipped;
      int nextEpoch = chunk + 1 == plan.chunksPerEpoch ? epoch + 1 : epoch;
      int nextChunk = chunk + 1 == plan.chunksPerEpoch ? 0 : chunk + 1;
      boolean buildNext = prefetch && plan.hasChunk(nextEpoch, nextChunk);
      if (buildNext && !barrier) {
        ahead = new Minibatches(nextEpoch, nextChunk);
      }
      ComputationGraph trained;
      double loss;
      if (barrier) {
        // the run's last chunk keeps nothing: its workers free their workspaces
        String keep = plan.hasChunk(nextEpoch, nextChunk) ? java.util.UUID.randomUUID().toString() : null;
        String resume = resident;
        resident = null;
        BarrierAveraging.Outcome o = BarrierAveraging.fit(JavaSparkContext.fromSparkContext(spark.sparkContext()),
            training, current.batches, cfg.averagingFrequency, resume, keep);
        resident = keep;
        trained = training;
        loss = o.loss;
      } else {
        // DL4J's master draws the split of the chunk into averaging rounds from its own RNG; a new
        // master per chunk, seeded by the chunk, makes it the same in a resumed run.
        SparkComputationGraph net = new SparkComputationGraph(spark.sparkContext(), training,
            TrainingMasters.create(cfg, plan.workers, plan.examplesPerBatch, workdir, seed));
        net.fit(current.batches);
        trained = net.getNetwork();
        loss = net.getScore();
      }
      current.batches.unpersist(false);
      if (buildNext && barrier) {
        ahead = new Minibatches(nextEpoch, nextChunk);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      if (channelsLast) {
        ChannelsLast.copyState(trained, model);
      } else {
        model = trained;
      }
      return new Result(loss, lr, plan.images(shards), seconds, waited, used, skipped);
    }
  }
}
