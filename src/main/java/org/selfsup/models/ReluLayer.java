package org.selfsup.models;

import java.util.Collection;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A ReLU layer: DL4J's {@link ActivationLayer} with {@link ReluActivation}, whose passes write their
 * results straight into new arrays. DL4J 1.0.0-M2's activation layer copies its input before every
 * forward pass and again before every backward pass (a single-threaded {@code memcpy} of the whole
 * map each time) and then transforms the copy in place; here the forward pass is one read and one
 * write, the backward pass a step mask written to the gradient array and multiplied by the incoming
 * gradient, or, where oneDNN 3 runs ({@link DnnlRelu}), one oneDNN pass each way. Same JSON fields as DL4J's layer (plus this class name), so networks rebuilt from their
 * configuration (checkpoints, Spark's workers) get it too.
 */
public class ReluLayer extends ActivationLayer {

  public ReluLayer() {
    super(new ReluActivation());
  }

  @Override
  public org.deeplearning4j.nn.api.Layer instantiate(NeuralNetConfiguration conf,
      Collection<TrainingListener> listeners, int layerIndex, INDArray layerParamsView, boolean initializeParams,
      DataType networkDataType) {
    return RuntimeLayers.wire(new Runtime(conf, networkDataType), this, conf, listeners, layerIndex, layerParamsView,
        initializeParams);
  }

  /** The layer a network runs for a {@link ReluLayer} configuration. */
  static final class Runtime extends org.deeplearning4j.nn.layers.ActivationLayer {
    /** oneDNN's passes; null where oneDNN 3 does not run (then ND4J's ops). */
    private final DnnlRelu dnnl;

    Runtime(NeuralNetConfiguration conf, DataType dataType) {
      super(conf, dataType);
      dnnl = DnnlRelu.createOrNull();
    }

    /** oneDNN's passes of this layer, or null where ND4J's ops run. */
    DnnlRelu dnnl() {
      return dnnl;
    }

    @Override
    public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
      assertInputSet(false);
      applyDropOutIfNecessary(training, mgr);
      INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, input.dataType(), input.shape(), input.ordering());
      if (dnnl == null || !dnnl.forward(input, out)) {
        Nd4j.getExecutioner().exec(new RectifiedLinear(input, out, 0.0));
      }
      return out;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
      assertInputSet(true);
      INDArray delta = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, input.dataType(), input.shape(),
          input.ordering());
      if (dnnl == null || !dnnl.backward(input, epsilon, delta)) {
        Nd4j.getExecutioner().exec(new Step(input, delta));
        delta.muli(epsilon);
      }
      return new Pair<>(new DefaultGradient(), backpropDropOutIfPresent(delta));
    }
  }
}
