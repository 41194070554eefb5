package org.selfsup.models;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.api.MaskState;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.BaseGraphVertex;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every runtime vertex of ours without parameters or a layer shares ({@link SumVertex},
 * {@link ChannelSubsetVertex}'s channels-last passes): no layer, no gradient view, and the first
 * input's mask passed on.
 */
abstract class ParameterFreeVertex extends BaseGraphVertex {
  ParameterFreeVertex(ComputationGraph graph, String name, int idx, DataType dataType) {
    super(graph, name, idx, null, null, dataType);
  }

  @Override
  public boolean hasLayer() {
    return false;
  }

  @Override
  public Layer getLayer() {
    return null;
  }

  @Override
  public void setBackpropGradientsViewArray(INDArray view) {
    if (view != null) {
      throw new IllegalArgumentException(getVertexName() + " has no parameters");
    }
  }

  @Override
  public Pair<INDArray, MaskState> feedForwardMaskArrays(INDArray[] masks, MaskState state, int minibatchSize) {
    return masks == null || masks.length == 0 ? null : new Pair<>(masks[0], state);
  }
}
