package org.selfsup.models;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Batch norm followed by ReLU in one layer: the runtime layer of a {@link RowwiseBatchNormalization}
 * with {@link RowwiseBatchNormalization#isReluFused}. Where {@link DnnlBatchNormHelper} runs the
 * call, oneDNN's fused primitives do both (a bit mask of the ReLU kept for the backward pass), which
 * saves a pass over the maps each way and a layer's bookkeeping; elsewhere the ReLU is applied in
 * place after the helper's batch norm, and the gradient masked with it before the batch norm's
 * backward pass.
 */
final class BatchNormReluLayer extends BatchNormalization {
  /** This layer's output of its last forward pass, for the mask where oneDNN did not fuse. */
  private INDArray output;
  private boolean fusedForward;

  BatchNormReluLayer(NeuralNetConfiguration conf, DataType dataType) {
    super(conf, dataType);
  }

  @Override
  public INDArray activate(boolean training, LayerWorkspaceMgr mgr) {
    INDArray out = super.activate(training, mgr);
    fusedForward = helper() != null && helper().appliedRelu();
    if (!fusedForward) {
      Nd4j.getExecutioner().exec(new RectifiedLinear(out, out, 0.0));
    }
    output = out;
    return out;
  }

  @Override
  public Pair<Gradient, INDArray> backpropGradient(INDArray epsilon, LayerWorkspaceMgr mgr) {
    if (output == null) {
      throw new IllegalStateException("backward pass of " + layerId() + " without a forward pass");
    }
    INDArray dy = epsilon;
    if (!fusedForward || !helper().takesFusedBackward(input, epsilon)) {
      dy = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), epsilon.shape(), 'c');
      Nd4j.getExecutioner().exec(new Step(output, dy));
      dy.muli(epsilon); // a fused backward pass on top masks again: the same mask, no harm
    }
    return super.backpropGradient(dy, mgr);
  }

  @Override
  public void clear() {
    super.clear();
    output = null;
  }

  private DnnlBatchNormHelper helper() {
    Object h = getHelper();
    return h instanceof DnnlBatchNormHelper ? (DnnlBatchNormHelper) h : null;
  }
}
