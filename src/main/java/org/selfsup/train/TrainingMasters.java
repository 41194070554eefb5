package org.selfsup.train;

import org.apache.hadoop.fs.Path;
import org.apache.spark.storage.StorageLevel;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.RepartitionStrategy;
import org.selfsup.runtime.UserError;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;
import org.deeplearning4j.spark.parameterserver.training.SharedTrainingMaster;
import org.nd4j.parameterserver.distributed.conf.VoidConfiguration;
import org.selfsup.runtime.UserError;

/** DL4J's ways of training one network over many executors, by name (--training_master). */
public final class TrainingMasters {
  public static final String PARAMETER_AVERAGING = "parameter_averaging";
  public static final String SHARED = "shared";

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
    if (SHARED.equals(cfg.trainingMaster)) {
      return "gradient sharing";
    }
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

  /**
   * The master of --training_master. {@code seed}: its RNG, which parameter averaging draws each
   * fit's split into averaging rounds from.
   */
  public static TrainingMaster create(TrainConfig cfg, int workers, int examplesPerBatch, String workdir, long seed) {
    switch (cfg.trainingMaster) {
      case PARAMETER_AVERAGING:
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
            .saveUpdater(true)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            // null: DL4J would persist its own DataSet -> MultiDataSet view of the chunk (a second copy,
            // never unpersisted); the trainer persists the chunk at --minibatch_storage and unpersists it.
            .storageLevel(null)
            .exportDirectory(new Path(workdir, "tmp").toString())
            .rngSeed(seed)
            .build();
      case SHARED:
        // Gradient sharing over Aeron (DL4J's SharedTrainingMaster): workers exchange quantised
        // updates (too coarse for BatchNorm's running statistics: see BatchNormCalibration); the
        // driver is the controller. Needs -Daeron.publication.unblock.timeout (set in
        // conf/spark-defaults.conf) and a network mask that covers the executors' addresses.
        VoidConfiguration voidConf = VoidConfiguration.builder()
            .networkMask(cfg.networkMask)
            .controllerAddress(cfg.controllerAddress)
            .portSupplier(new FreePortSupplier())
            .build();
        return new SharedTrainingMaster.Builder(voidConf, examplesPerBatch)
            .batchSizePerWorker(examplesPerBatch)
            .workersPerNode(1)
            .workerPrefetchNumBatches(2)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .exportDirectory(new Path(workdir, "tmp").toString())
            .rngSeed(seed)
            .build();
      default:
        throw new UserError("unknown --training_master '" + cfg.trainingMaster + "'; valid: "
            + PARAMETER_AVERAGING + ", " + SHARED);
    }
  }
}
