package org.selfsup.models;

import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * DL4J's {@link SubsetVertex} (channels {@code from..to}, inclusive) with the output type of a convolutional
 * input fixed: DL4J 1.0.0-M2 gives it {@code from - to + 1} channels (negative), which breaks the shape
 * inference of every layer after it. Forward and backward are SubsetVertex's own. DL4J reads the JSON
 * with its shaded Jackson, hence that {@code JsonProperty}.
 */
public class ChannelSubsetVertex extends SubsetVertex {
  public ChannelSubsetVertex(@JsonProperty("from") int from, @JsonProperty("to") int to) {
    super(from, to);
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
  public ChannelSubsetVertex clone() {
    return new ChannelSubsetVertex(getFrom(), getTo());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChannelSubsetVertex && super.equals(o);
  }

  @Override
  public int hashCode() {
    return 31 * super.hashCode() + 1;
  }
}
