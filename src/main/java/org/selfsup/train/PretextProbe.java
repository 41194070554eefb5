package org.selfsup.train;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.tasks.Task;

/**
 * Pretext accuracy for the progress lines: the current network on a fixed set of held-out
 * images (the first ones of the val split, else of the training split), on the driver, in
 * slices of one training minibatch: the whole set at once (1,024 rotated inputs by default) took
 * 17–25 s per probe on 2 cores, slices of 64 images 4–12 s, with the same loss (measured
 * 2026-12-02, the quickstart trunk).
 */
final class PretextProbe {
  /** The held-out examples in slices along the example axis; empty without examples. */
  private final List<DataSet> slices;

  private final Task task;

  PretextProbe(Task task, List<DataSet> slices) {
    this.task = task;
    this.slices = slices;
  }

  static PretextProbe create(SparkSession spark, Task task, String spec, DatasetLayout layout, TrainConfig cfg,
      int numOutputs, ReadOptions readOptions) {
    if (cfg.pretextEvalImages <= 0) {
      return new PretextProbe(task, List.of());
    }
    List<String> files;
    try {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, "val");
    } catch (IllegalArgumentException noVal) {
      files = layout.files(spark.sparkContext().hadoopConfiguration(), cfg.datasetDir, cfg.split);
    }
    // exemplar's labels are indices within one minibatch: the probe is one minibatch at most
    int images = task.copiesPerImage() > 1 ? Math.min(cfg.pretextEvalImages, cfg.batchSize) : cfg.pretextEvalImages;
    DataSet batch = ExampleBatcher.firstImages(spark, files.get(0), images, task, spec, cfg.seed, numOutputs,
        readOptions);
    return new PretextProbe(task, slices(batch, cfg.batchSize * task.examplesPerImage()));
  }

  /** {@code batch} cut along its first axis (examples) into slices of at most {@code examples}. */
  static List<DataSet> slices(DataSet batch, int examples) {
    List<DataSet> out = new ArrayList<>();
    if (batch == null) {
      return out;
    }
    long n = batch.getFeatures().size(0);
    for (long from = 0; from < n; from += examples) {
      long to = Math.min(n, from + examples);
      out.add(new DataSet(batch.getFeatures().get(NDArrayIndex.interval(from, to)).dup(),
          batch.getLabels().get(NDArrayIndex.interval(from, to)).dup()));
    }
    return out;
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

  /**
   * The pretext loss in inference mode and the task's pretext accuracy; NaN without examples. The
   * loss is the data's alone: DL4J's {@code score(data, false)} adds the L2 weight-decay term, which
   * is not a property of held-out data and, late in a run, about as large as the loss itself. One
   * forward pass per slice: where the network ends in a parameter-free {@link LossLayer} (every
   * task's does), its input is computed once and both the loss and the output are taken from it;
   * {@code score} and {@code output} each ran the network (two thirds of the driver's work between
   * chunks, in a JFR profile of a pretraining on the standalone cluster).
   */
  Result evaluate(ComputationGraph model) {
    if (slices.isEmpty()) {
      return new Result(Double.NaN, Double.NaN);
    }
    ComputationGraphConfiguration conf = model.getConfiguration();
    String outputName = conf.getNetworkOutputs().get(0);
    GraphVertex out = conf.getVertices().get(outputName);
    LossLayer head = out instanceof LayerVertex && ((LayerVertex) out).getLayerConf().getLayer() instanceof LossLayer
        ? (LossLayer) ((LayerVertex) out).getLayerConf().getLayer() : null;
    List<String> headInput = head == null ? null : List.of(conf.getVertexInputs().get(outputName).get(0));
    // accuracy and DL4J's score are means over a slice's examples; the loss function's own sum is not
    double loss = 0;
    double correct = 0;
    long examples = 0;
    for (DataSet slice : slices) {
      long n = slice.getFeatures().size(0);
      INDArray output;
      if (head == null) {
        loss += n * (model.score(slice, false) - model.calcRegularizationScore(true));
        output = model.output(false, slice.getFeatures())[0];
      } else {
        INDArray preOutput = model.output(headInput, false, new INDArray[] {slice.getFeatures()}, null)[0];
        // as DL4J's LossLayer scores: the sum over the examples, divided by their number
        loss += head.getLossFn().computeScore(slice.getLabels(), preOutput, head.getActivationFn(), null, false);
        output = head.getActivationFn().getActivation(preOutput.dup(), false);
      }
      correct += n * task.pretextAccuracy(output, slice.getLabels());
      examples += n;
    }
    return new Result(loss / examples, correct / examples);
  }
}
