package org.selfsup.train;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskExample;

/**
 * Pretext accuracy for the progress lines: the current network on a fixed set of held-out
 * images (the first ones of the val split, else of the training split), on the driver.
 */
final class PretextProbe {
  private final DataSet batch;

  private PretextProbe(DataSet batch) {
    this.batch = batch;
  }

  static PretextProbe create(SparkSession spark, Task task, String spec, DatasetLayout layout, TrainConfig cfg,
      int numOutputs, ReadOptions readOptions) {
    if (cfg.pretextEvalImages <= 0) {
      return new PretextProbe(null);
    }
    List<String> files;
    try {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, "val");
    } catch (IllegalArgumentException noVal) {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, cfg.split);
    }
    List<Row> rows = TFRecordSource.read(spark, files.subList(0, 1), readOptions).limit(cfg.pretextEvalImages)
        .collectAsList();
    Preprocessing preprocessing = Preprocessing.parse(spec);
    List<TaskExample> examples = new ArrayList<>();
    for (Row row : rows) {
      long seed = RecordImages.seed(cfg.seed, row.getAs(SlimSchema.FILE), row.<Long>getAs(SlimSchema.RECORD));
      examples.addAll(task.examples(RecordImages.apply(preprocessing, row, cfg.seed),
          row.<Integer>getAs(SlimSchema.LABEL), new SplittableRandom(seed)));
    }
    return new PretextProbe(examples.isEmpty() ? null : ExampleBatcher.toDataSet(examples, numOutputs));
  }

  /** Top-1 accuracy of the network's first output on the held-out examples; NaN without any. */
  double accuracy(ComputationGraph model) {
    if (batch == null) {
      return Double.NaN;
    }
    INDArray out = model.output(false, batch.getFeatures())[0];
    INDArray predicted = out.argMax(1);
    INDArray truth = batch.getLabels().argMax(1);
    long correct = 0;
    for (int i = 0; i < predicted.length(); i++) {
      if (predicted.getLong(i) == truth.getLong(i)) {
        correct++;
      }
    }
    return (double) correct / predicted.length();
  }
}
