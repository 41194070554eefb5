package org.selfsup.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.graph.vertex.GraphVertex;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Channels {@code from..to} (inclusive) of a map: DL4J's {@link SubsetVertex} with the output type of
 * a convolutional input fixed (DL4J 1.0.0-M2 gives it {@code from - to + 1} channels, negative, which
 * breaks the shape inference of every layer after it), and with {@link #isChannelsLast()} the
 * channels taken from the last axis of NHWC maps ({@link ChannelsLast}); NCHW passes are
 * SubsetVertex's own. DL4J reads the JSON with its shaded Jackson, hence those {@code JsonProperty}s
 * (a JSON without {@code channelsLast}, as checkpoints written before it, reads as NCHW).
 */
public class ChannelSubsetVertex extends SubsetVertex {
  private final boolean channelsLast;

  /** Channels {@code from..to} of NCHW maps. */
  public ChannelSubsetVertex(int from, int to) {
    this(from, to, false);
  }

  public ChannelSubsetVertex(@JsonProperty("from") int from, @JsonProperty("to") int to,
      @JsonProperty("channelsLast") boolean channelsLast) {
    super(from, to);
    this.channelsLast = channelsLast;
  }

  /** Whether the maps are NHWC (channels on the last axis). */
  public boolean isChannelsLast() {
    return channelsLast;
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
    if (vertexInputs.length == 1 && vertexInputs[0].getType() == InputType.Type.CNN) {
      InputType.InputTypeConvolutional in = (InputType.InputTypeConvolutional) vertexInputs[0];
      return InputType.convolutional(in.getHeight(), in.getWidth(), getTo() - getFrom() + 1, in.getFormat());
    }
    return super.getOutputType(layerIndex, vertexInputs);
  }

  @Override
  public GraphVertex instantiate(ComputationGraph graph, String name, int idx, INDArray paramsView,
      boolean initializeParams, DataType networkDatatype) {
    return channelsLast ? new ChannelsLastRuntime(graph, name, idx, getFrom(), getTo(), networkDatatype)
        : super.instantiate(graph, name, idx, paramsView, initializeParams, networkDatatype);
  }

  @Override
  public ChannelSubsetVertex clone() {
    return new ChannelSubsetVertex(getFrom(), getTo(), channelsLast);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelSubsetVertex && super.equals(o) && ((ChannelSubsetVertex) o).channelsLast == channelsLast;
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + (channelsLast ? 2 : 1);
  }

  /** The NHWC passes: the last axis's interval forward, the gradient put back into zeros backward. */
  static final class ChannelsLastRuntime extends ParameterFreeVertex {
    private final int from;
    private final int to;
    private long[] forwardShape;

    ChannelsLastRuntime(ComputationGraph graph, String name, int idx, int from, int to, DataType dataType) {
      super(graph, name, idx, dataType);
      this.from = from;
      this.to = to;
    }

    private INDArrayIndex[] channels(int rank) {
      INDArrayIndex[] index = new INDArrayIndex[rank];
      Arrays.fill(index, NDArrayIndex.all());
      index[rank - 1] = NDArrayIndex.interval(from, to, true);
      return index;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
      if (!canDoForward()) {
        throw new IllegalStateException("Cannot do forward pass: input not set");
      }
      forwardShape = inputs[0].shape().clone();
      return mgr.dup(ArrayType.ACTIVATIONS, inputs[0].get(channels(inputs[0].rank())));
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
      if (!canDoBackward()) {
        throw new IllegalStateException("Cannot do backward pass: error not set");
      }
      INDArray out = mgr.create(ArrayType.ACTIVATION_GRAD, epsilon.dataType(), forwardShape);
      out.put(channels(forwardShape.length), epsilon);
      return new Pair<>(null, new INDArray[] {out});
    }

    @Override
    public String toString() {
      return "ChannelSubsetVertex(channels-last, name=\"" + getVertexName() + "\", " + from + ".." + to + ")";
    }
  }
}
