package org.selfsup.train;

import org.apache.hadoop.fs.Path;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.Repartition;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.selfsup.runtime.UserError;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/**
 * How DL4J trains one network over many executors: parameter averaging (ParameterAveragingTrainingMaster).
 * DL4J's gradient sharing (SharedTrainingMaster) was measured on the standalone cluster and removed:
 * slower than one executor and 2.3× the held-out loss (docs/results.md, parameter averaging across executors).
 */
public final class TrainingMasters {
  private TrainingMasters() {}

  /**
   * Minibatches per worker between averages: --averaging_frequency, or with one worker a single
   * round per chunk: every round is a Spark job over the whole chunk (DL4J draws the rounds with
   * {@code randomSplit}), and averaging one worker's parameters is the identity. DL4J multiplies
   * the frequency by the examples per minibatch in an int, hence the bound.
   */
  public static int averagingFrequency(TrainConfig cfg, int workers, int examplesPerBatch) {
    return workers == 1 ? Integer.MAX_VALUE / Math.max(1, examplesPerBatch) : cfg.averagingFrequency;
  }

  /** The training master's part of the log line that starts a run. */
  public static String describe(TrainConfig cfg, int workers) {
    return workers == 1 ? "parameter averaging: none needed (one worker; a chunk per Spark job)"
        : "parameter averaging every " + cfg.averagingFrequency + " minibatches";
  }

  /** A Spark storage level's name, checked (--minibatch_storage). */
  public static String storageLevelName(String name) {
    try {
      StorageLevel.fromString(name);
      return name;
    } catch (IllegalArgumentException e) {
      throw new UserError("--minibatch_storage: unknown Spark storage level '" + name
          + "'; e.g. MEMORY_AND_DISK_SER, MEMORY_ONLY, MEMORY_ONLY_SER, DISK_ONLY");
    }
  }

  /** The master of one fit. {@code seed}: its RNG, which it draws the fit's split into averaging rounds from. */
  public static TrainingMaster create(TrainConfig cfg, int workers, int examplesPerBatch, String workdir, long seed) {
    return new RoundAwareAveragingMaster(builder(cfg, workers, examplesPerBatch, workdir, seed), new WorkspaceRelease());
  }

  /** DL4J's master as {@link #create} configures it, before the trainer's changes to its workers. */
  static ParameterAveragingTrainingMaster.Builder builder(TrainConfig cfg, int workers, int examplesPerBatch,
      String workdir, long seed) {
    // Direct: minibatches stay in Spark (the chunk's RDD is persisted by the trainer) instead of
    // being exported to files first, which on a cluster would need a shared file system.
    return new ParameterAveragingTrainingMaster.Builder(workers, examplesPerBatch)
        .batchSizePerWorker(examplesPerBatch)
        .averagingFrequency(averagingFrequency(cfg, workers, examplesPerBatch))
        // No asynchronous prefetch: with it, two fits of the same network on the same minibatches
        // end with different parameters (measured); the minibatches are already materialised.
        .workerPrefetchNumBatches(0)
        // Spark's own repartition is a function of the input order; DL4J's Balanced strategy
        // places the remainder minibatches with an unseeded Random.
        .repartitionStrategy(RepartitionStrategy.SparkDefault)
        // The trainer gives each worker a partition of the chunk (WorkerPartitions), so the rounds have
        // one each already; DL4J's default (Always) shuffles every round again.
        .repartionData(Repartition.NumPartitionsWorkersDiffers)
        .saveUpdater(true)
        .rddTrainingApproach(RDDTrainingApproach.Direct)
        // null: DL4J would persist its own DataSet -> MultiDataSet view of the chunk (a second copy,
        // never unpersisted); the trainer persists the chunk at --minibatch_storage and unpersists it.
        .storageLevel(null)
        .exportDirectory(new Path(workdir, "tmp").toString())
        .rngSeed(seed);
  }
}
