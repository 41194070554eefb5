package org.selfsup.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The running mean and standard deviation of every BatchNormalization layer, set on the driver from
 * one training-mode pass over a fixed minibatch of training examples.
 *
 * <p>Gradient sharing (SharedTrainingMaster) needs it. DL4J moves the running statistics like any
 * other parameter, through the update vector, and gradient sharing sends that vector threshold
 * encoded: a value moves by at most the threshold per step (SharedTrainingMaster's default starts at
 * 1e-4 and at most doubles every 20 steps), and what a value owes beyond 5 thresholds is dropped.
 * Measured on the rotation network: the weights' steps are mostly 2e-5 to 3e-4 and train; the
 * running statistics' are 1e-2 to 1e-1, so they stayed near their initial 0 and 1 and the network,
 * in inference mode (the pretext probe, checkpoints, feature extraction), answered like an
 * untrained one.
 */
final class BatchNormCalibration {
  /**
   * The layers' momentum during the pass: nearly 0, so the batch's statistics replace the old
   * ones; exactly 0 would make log10(std) of a channel without variance -infinity.
   */
  private static final double DECAY = 1e-3;
  private static final String[] RUNNING_STATISTICS = {BatchNormalizationParamInitializer.GLOBAL_MEAN,
      BatchNormalizationParamInitializer.GLOBAL_LOG_STD, BatchNormalizationParamInitializer.GLOBAL_VAR};

  private final DataSet batch;

  BatchNormCalibration(DataSet batch) {
    this.batch = batch;
  }

  /**
   * DL4J's own update of the running statistics (the "gradient" of a training-mode pass, which
   * for them is old minus new), applied with the layers' momentum set to {@link #DECAY}.
   */
  void apply(ComputationGraph model) {
    if (batch == null) {
      return;
    }
    List<BatchNormalization> layers = new ArrayList<>();
    for (Layer layer : model.getLayers()) {
      if (layer instanceof BatchNormalization) {
        layers.add((BatchNormalization) layer);
      }
    }
    double[] decays = new double[layers.size()];
    for (int i = 0; i < layers.size(); i++) {
      decays[i] = conf(layers.get(i)).getDecay();
      conf(layers.get(i)).setDecay(DECAY);
    }
    try {
      model.setInputs(batch.getFeatures());
      model.setLabels(batch.getLabels());
      model.computeGradientAndScore();
      Map<String, INDArray> gradients = model.gradient().gradientForVariable();
      for (BatchNormalization layer : layers) {
        for (String param : RUNNING_STATISTICS) {
          INDArray step = gradients.get(layer.conf().getLayer().getLayerName() + "_" + param);
          if (step != null) {
            layer.getParam(param).subi(step);
          }
        }
      }
    } finally {
      for (int i = 0; i < layers.size(); i++) {
        conf(layers.get(i)).setDecay(decays[i]);
      }
      model.clear();
    }
  }

  private static org.deeplearning4j.nn.conf.layers.BatchNormalization conf(BatchNormalization layer) {
    return (org.deeplearning4j.nn.conf.layers.BatchNormalization) layer.conf().getLayer();
  }
}
