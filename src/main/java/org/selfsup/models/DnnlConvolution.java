package org.selfsup.models;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DL4J's ConvolutionLayer whose NCHW passes run on {@link DnnlConvolutionHelper} (oneDNN 3) wherever
 * DL4J would have used its own oneDNN helper; anywhere else (CUDA, helpers off) it is DL4J's layer.
 * Same parameters and JSON fields as DL4J's layer (plus this class name), so networks rebuilt from
 * their configuration (checkpoints, Spark's workers) get it too; checkpoints written with DL4J's
 * class load as before and run on DL4J's helper.
 */
public class DnnlConvolution extends ConvolutionLayer {
  /** For JSON. */
  public DnnlConvolution() {
    super();
  }

  /** A copy of {@code conv} (every field, shallow). */
  public static DnnlConvolution of(ConvolutionLayer conv) {
    return RuntimeLayers.copyConvolution(conv, new DnnlConvolution());
  }

  @Override
  public Layer instantiate(NeuralNetConfiguration conf, Collection<TrainingListener> listeners, int layerIndex,
      INDArray layerParamsView, boolean initializeParams, DataType networkDataType) {
    return RuntimeLayers.wire(new Runtime(conf, networkDataType), this, conf, listeners, layerIndex, layerParamsView,
        initializeParams);
  }

  /** DL4J's runtime layer with its oneDNN helper wrapped by ours. */
  static final class Runtime extends org.deeplearning4j.nn.layers.convolution.ConvolutionLayer {
    Runtime(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
      helper = DnnlConvolutionHelper.replacing(helper, layerConf().hasBias());
    }

    /**
     * In training DL4J copies the pre-activation output for the backward pass (with a cache mode
     * set; without one the backward pass runs the forward convolution again). An identity
     * activation's backward pass does not read it, nor does our helper's, so the output array
     * itself is kept instead: it stays in the activations workspace until the backward pass is done.
     */
    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
      if (!training || !(helper instanceof DnnlConvolutionHelper)
          || !(layerConf().getActivationFn() instanceof ActivationIdentity)) {
        return super.activate(training, mgr);
      }
      assertInputSet(false);
      applyDropOutIfNecessary(true, mgr);
      INDArray z = preOutput(true, false, mgr).getFirst();
      preOutput = z;
      return z;
    }
  }
}
