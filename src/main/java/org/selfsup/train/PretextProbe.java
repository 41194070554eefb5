package org.selfsup.train;

import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.tasks.Task;

/**
 * Pretext accuracy for the progress lines: the current network on a fixed set of held-out
 * images (the first ones of the val split, else of the training split), on the driver.
 */
final class PretextProbe {
  private final DataSet batch;

  private final Task task;

  private PretextProbe(Task task, DataSet batch) {
    this.task = task;
    this.batch = batch;
  }

  static PretextProbe create(SparkSession spark, Task task, String spec, DatasetLayout layout, TrainConfig cfg,
      int numOutputs, ReadOptions readOptions) {
    if (cfg.pretextEvalImages <= 0) {
      return new PretextProbe(task, null);
    }
    List<String> files;
    try {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, "val");
    } catch (IllegalArgumentException noVal) {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, cfg.split);
    }
    // exemplar's labels are indices within one minibatch: the probe is one minibatch at most
    int images = task.copiesPerImage() > 1 ? Math.min(cfg.pretextEvalImages, cfg.batchSize) : cfg.pretextEvalImages;
    return new PretextProbe(task, ExampleBatcher.firstImages(spark, files.get(0), images, task, spec, cfg.seed,
        numOutputs, readOptions));
  }

  /** Held-out loss and accuracy of one network. */
  static final class Result {
    final double loss;
    final double accuracy;

    Result(double loss, double accuracy) {
      this.loss = loss;
      this.accuracy = accuracy;
    }
  }

  /** The pretext loss (inference mode, no regularisation term) and the task's pretext accuracy; NaN without examples. */
  Result evaluate(ComputationGraph model) {
    if (batch == null) {
      return new Result(Double.NaN, Double.NaN);
    }
    double loss = model.score(batch, false);
    return new Result(loss, task.pretextAccuracy(model.output(false, batch.getFeatures())[0], batch.getLabels()));
  }
}
