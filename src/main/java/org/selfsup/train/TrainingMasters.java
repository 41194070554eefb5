package org.selfsup.train;

import org.apache.hadoop.fs.Path;
import org.deeplearning4j.spark.api.RDDTrainingApproach;
import org.deeplearning4j.spark.api.TrainingMaster;
import org.deeplearning4j.spark.impl.paramavg.ParameterAveragingTrainingMaster;

/** DL4J's ways of training one network over many executors, by name (--training_master). */
public final class TrainingMasters {
  public static final String PARAMETER_AVERAGING = "parameter_averaging";

  private TrainingMasters() {}

  public static TrainingMaster create(TrainConfig cfg, int workers, int examplesPerBatch, String workdir) {
    switch (cfg.trainingMaster) {
      case PARAMETER_AVERAGING:
        // Direct: minibatches stay in Spark (the chunk's RDD is persisted by the trainer) instead of
        // being exported to files first, which on a cluster would need a shared file system.
        return new ParameterAveragingTrainingMaster.Builder(workers, examplesPerBatch)
            .batchSizePerWorker(examplesPerBatch)
            .averagingFrequency(cfg.averagingFrequency)
            .workerPrefetchNumBatches(2)
            .saveUpdater(true)
            .rddTrainingApproach(RDDTrainingApproach.Direct)
            .exportDirectory(new Path(workdir, "tmp").toString())
            .rngSeed(cfg.seed)
            .build();
      default:
        throw new IllegalArgumentException("unknown --training_master '" + cfg.trainingMaster + "'; valid: "
            + PARAMETER_AVERAGING);
    }
  }
}
