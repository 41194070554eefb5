package org.selfsup.models;

import java.lang.reflect.Field;
import java.util.Collection;
import org.bytedeco.dnnl.engine;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNBatchNormHelper;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's BatchNormalization layer, computed on CPU by {@link DnnlBatchNormHelper} (oneDNN 3) where
 * DL4J would have used its own oneDNN helper, and by {@link RowwiseBatchNormHelper} (ND4J
 * operations) for what oneDNN 3 does not take and where DL4J's helpers are off. Same parameters,
 * same JSON fields (plus this class name, which predates the oneDNN 3 helper), so every place that
 * builds the network from its configuration (checkpoint loading, Spark's training workers) gets
 * the faster helper. On a GPU backend (cuDNN helper) the layer is left as DL4J made it.
 *
 * <p>With {@link #isReluFused} the layer applies a ReLU after the normalisation ({@link
 * BatchNormReluLayer}; oneDNN's fused batch norm + ReLU where it runs): {@link ChannelsLast} puts such
 * layers in place of batch norm + ReLU pairs in its copies. The field defaults to false, so
 * configurations written before it (checkpoints) read as they were.
 */
public class RowwiseBatchNormalization extends BatchNormalization {
  private static final Field HELPER = helperField();

  private boolean reluFused;

  /** For JSON; the defaults of {@link BatchNormalization.Builder}. */
  public RowwiseBatchNormalization() {
    super();
  }

  public static RowwiseBatchNormalization of(double decay, double eps) {
    RowwiseBatchNormalization layer = new RowwiseBatchNormalization();
    layer.setDecay(decay);
    layer.setEps(eps);
    return layer;
  }

  /** Whether this layer applies a ReLU to its output. */
  public boolean isReluFused() {
    return reluFused;
  }

  public void setReluFused(boolean reluFused) {
    this.reluFused = reluFused;
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    Layer layer = reluFused
        ? RuntimeLayers.wire(new BatchNormReluLayer(conf, networkDataType), this, conf, listeners, layerIndex,
            layerParamsView, initializeParams)
        : super.instantiate(conf, listeners, layerIndex, layerParamsView, initializeParams, networkDataType);
    Object helper = layer.getHelper();
    if (!isLockGammaBeta() && (helper == null || helper instanceof MKLDNNBatchNormHelper)) {
      BatchNormalizationHelper ours = new RowwiseBatchNormHelper((BatchNormalizationHelper) helper);
      engine eng = helper == null ? null : DnnlConvolutionHelper.engineOrNull();
      if (eng != null) {
        ours = new DnnlBatchNormHelper(ours, eng, reluFused);
      }
      try {
        HELPER.set(layer, ours);
      } catch (IllegalAccessException e) {
        throw new IllegalStateException("cannot set the helper of DL4J's BatchNormalization layer", e);
      }
    }
    return layer;
  }

  private static Field helperField() {
    try {
      // package-private in DL4J 1.0.0-M2, and DL4J picks the helper by a fixed class name
      Field field = org.deeplearning4j.nn.layers.normalization.BatchNormalization.class.getDeclaredField("helper");
      field.setAccessible(true);
      return field;
    } catch (NoSuchFieldException e) {
      throw new IllegalStateException("this DL4J version's BatchNormalization layer has no 'helper' field", e);
    }
  }
}
