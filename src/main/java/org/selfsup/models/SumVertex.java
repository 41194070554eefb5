package org.selfsup.models;

import java.util.Arrays;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.inputs.InvalidInputTypeException;
import org.deeplearning4j.nn.conf.memory.MemoryReport;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The residual sum {@code a + b} of two maps of one shape, or with {@link #isRelu()} the ReLU of it
 * (ResNet v1's {@code relu(bn3 + shortcut)}) in the same pass. DL4J 1.0.0-M2's
 * {@link ElementWiseVertex} copies the first input and then adds the second to the copy, and in the
 * backward pass gives each input its own copy of the gradient; a ReLU after it is another layer,
 * one more pass each way. Here the forward pass is one read of each input and one write (one oneDNN
 * {@code binary} primitive, {@link DnnlSum}; ND4J's ops where oneDNN 3 does not run), and the
 * backward pass writes the input gradient once, the ReLU's mask applied, and hands that one array
 * to both inputs: it lives in this vertex's gradient workspace, which DL4J keeps until both inputs'
 * passes are done, and no layer writes into the gradient it is given (where DL4J adds a second
 * gradient into it in place, the other input has already read it: the sum's inputs are upstream of
 * it, and an input's other consumers are upstream of the sum's other input; SumVertexTest compares
 * every gradient with DL4J's vertex on ResNet and RevNet shapes).
 */
public class SumVertex extends GraphVertex {
  private final boolean relu;

  public SumVertex(@JsonProperty("relu") boolean relu) {
    this.relu = relu;
  }

  /** Whether the output is {@code max(a + b, 0)} rather than {@code a + b}. */
  public boolean isRelu() {
    return relu;
  }

  @Override
  public SumVertex clone() {
    return new SumVertex(relu);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SumVertex && ((SumVertex) o).relu == relu;
  }

  @Override
  public int hashCode() {
    return relu ? 0x53756d31 : 0x53756d30;
  }

  @Override
  public long numParams(boolean backprop) {
    return 0;
  }

  @Override
  public int minVertexInputs() {
    return 2;
  }

  @Override
  public int maxVertexInputs() {
    return 2;
  }

  @Override
  public org.deeplearning4j.nn.graph.vertex.GraphVertex instantiate(ComputationGraph graph, String name, int idx,
      INDArray paramsView, boolean initializeParams, DataType networkDatatype) {
    return new Runtime(graph, name, idx, relu, networkDatatype);
  }

  @Override
  public InputType getOutputType(int layerIndex, InputType... vertexInputs) throws InvalidInputTypeException {
    if (vertexInputs.length != 2 || !vertexInputs[0].equals(vertexInputs[1])) {
      throw new InvalidInputTypeException("a sum takes two inputs of one type and shape, got "
          + Arrays.toString(vertexInputs));
    }
    return vertexInputs[0];
  }

  @Override
  public MemoryReport getMemoryReport(InputType... inputTypes) {
    return new ElementWiseVertex(ElementWiseVertex.Op.Add).getMemoryReport(inputTypes);
  }

  /** The vertex a network runs for a {@link SumVertex}. */
  static final class Runtime extends ParameterFreeVertex {
    private final boolean relu;
    /** oneDNN's passes; null where oneDNN 3 does not run (then ND4J's ops). */
    private final DnnlSum dnnl;
    /** With the ReLU, the training pass's output: its mask is the ReLU's in the backward pass. */
    private INDArray output;

    Runtime(ComputationGraph graph, String name, int idx, boolean relu, DataType dataType) {
      super(graph, name, idx, dataType);
      this.relu = relu;
      this.dnnl = DnnlSum.createOrNull(relu);
    }

    /** oneDNN's passes of this vertex, or null where ND4J's ops run. */
    DnnlSum dnnl() {
      return dnnl;
    }

    @Override
    public INDArray doForward(boolean training, LayerWorkspaceMgr mgr) {
      if (!canDoForward()) {
        throw new IllegalStateException("Cannot do forward pass: inputs not set");
      }
      INDArray a = inputs[0];
      INDArray b = inputs[1];
      if (!Arrays.equals(a.shape(), b.shape())) {
        throw new IllegalStateException("sum " + getVertexName() + ": inputs of shapes " + Arrays.toString(a.shape())
            + " and " + Arrays.toString(b.shape()));
      }
      INDArray out = mgr.createUninitialized(ArrayType.ACTIVATIONS, dataType, a.shape(), 'c');
      if (dnnl == null || !dnnl.forward(a.castTo(dataType), b.castTo(dataType), out)) {
        Nd4j.exec(new AddOp(a.castTo(dataType), b.castTo(dataType), out));
        if (relu) {
          Nd4j.getExecutioner().exec(new RectifiedLinear(out, out, 0.0));
        }
      }
      output = relu && training ? out : null;
      return out;
    }

    @Override
    public Pair<Gradient, INDArray[]> doBackward(boolean tbptt, LayerWorkspaceMgr mgr) {
      if (!canDoBackward()) {
        throw new IllegalStateException("Cannot do backward pass: error not set");
      }
      INDArray gradient;
      if (relu) {
        if (output == null) {
          throw new IllegalStateException("sum " + getVertexName() + ": backward pass without a training forward pass");
        }
        gradient = mgr.createUninitialized(ArrayType.ACTIVATION_GRAD, dataType, output.shape(), 'c');
        if (dnnl == null || !dnnl.backward(output, epsilon, gradient)) {
          Nd4j.getExecutioner().exec(new Step(output, gradient));
          gradient.muli(epsilon);
        }
      } else {
        gradient = mgr.dup(ArrayType.ACTIVATION_GRAD, epsilon);
      }
      return new Pair<>(null, new INDArray[] {gradient, gradient});
    }

    @Override
    public void clear() {
      super.clear();
      output = null;
    }

    @Override
    public String toString() {
      return "SumVertex(name=\"" + getVertexName() + "\"" + (relu ? ", ReLU" : "") + ")";
    }
  }
}
