package org.selfsup.models;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A copy of a network that computes in channels-last layout (NHWC) with the same parameters and
 * updater state. oneDNN's convolutions, batch norm and pooling run channels-last kernels on NHWC
 * maps as they are, where NCHW maps are converted to a blocked layout and back around every
 * convolution; so feature extraction runs this copy, and so does the trainer where the network
 * allows it (docs/design.md, workaround 24). Convolutions become NHWC {@link DnnlConvolution}s,
 * channel subsets and concatenations take the last axis. A patch network's split of its input into
 * views ({@link PatchModel}) reshapes [N, V·H, W, C] (the views stacked along the height, as the
 * trainer's channels-last minibatches hold them) into [N·V, H, W, C].
 * Checkpoints keep the NCHW network: {@link #copyState} carries what training changed back into it.
 *
 * <p>Only graphs made of vertices known to be layout-neutral once told the format are converted
 * (convolutions, pooling, batch norm, activations, sums (with a ReLU or not), scalings, channel subsets, concatenations
 * along the channels, dense layers on vectors, reshapes of vectors, and the split of the network's
 * input into views);
 * {@link #supports} says whether a graph is one.
 */
public final class ChannelsLast {
  private static final int[] SPATIAL_NHWC = {1, 2};

  private ChannelsLast() {}

  /**
   * Whether NHWC maps run on oneDNN 3's kernels here (CPU backend, helpers on, the library loaded).
   * Elsewhere (CUDA, helpers off) DL4J's layers copy NHWC maps to NCHW and back, and channels-last
   * is the slower layout.
   */
  public static boolean onOneDnnHere() {
    return DnnlConvolutionHelper.enabledEngineOrNull() != null;
  }

  /** Whether {@link #copyOf} can convert this network: every vertex layout-neutral, all in NCHW, no preprocessors. */
  public static boolean supports(ComputationGraphConfiguration conf) {
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String name = e.getKey();
      GraphVertex v = e.getValue();
      if (v instanceof ElementWiseVertex || v instanceof ScaleVertex || v.getClass() == SumVertex.class) {
        continue;
      }
      if (v.getClass() == ChannelSubsetVertex.class) {
        if (((ChannelSubsetVertex) v).isChannelsLast()) {
          return false;
        }
        continue;
      }
      if (v.getClass() == MergeVertex.class) {
        if (((MergeVertex) v).getMergeAxis() != 1) {
          return false;
        }
        continue;
      }
      if (v.getClass() == ReshapeVertex.class) {
        if (!isViewSplit(conf, (ReshapeVertex) v, name) && !isVectorReshape(conf, (ReshapeVertex) v, name)) {
          return false;
        }
        continue;
      }
      if (!(v instanceof LayerVertex) || ((LayerVertex) v).getPreProcessor() != null
          || !convertible(((LayerVertex) v).getLayerConf().getLayer())) {
        return false;
      }
    }
    return true;
  }

  /**
   * [N, V·C, H, W] → [N·V, C, H, W] on the network's input: the views of a patch example, stacked
   * along the channels, become examples of their own (the same memory).
   */
  private static boolean isViewSplit(ComputationGraphConfiguration conf, ReshapeVertex r, String name) {
    int[] s = r.getNewShape();
    return r.getReshapeOrder() == 'c' && r.getMaskShape() == null && s.length == 4 && s[0] == -1
        && conf.getVertexInputs().get(name).size() == 1
        && conf.getNetworkInputs().contains(conf.getVertexInputs().get(name).get(0));
  }

  /** A reshape of the vectors of a dense layer (one value per unit, no layout). */
  private static boolean isVectorReshape(ComputationGraphConfiguration conf, ReshapeVertex r, String name) {
    return r.getNewShape().length == 2 && r.getMaskShape() == null && takesVectors(conf, name);
  }

  /** Whether the vertex's one input is a dense layer's output. */
  private static boolean takesVectors(ComputationGraphConfiguration conf, String name) {
    if (conf.getVertexInputs().get(name).size() != 1) {
      return false;
    }
    GraphVertex in = conf.getVertices().get(conf.getVertexInputs().get(name).get(0));
    return in instanceof LayerVertex && ((LayerVertex) in).getPreProcessor() == null
        && ((LayerVertex) in).getLayerConf().getLayer().getClass() == DenseLayer.class;
  }

  private static boolean convertible(Layer l) {
    if (l.getClass() == ConvolutionLayer.class || l.getClass() == DnnlConvolution.class) {
      return ((ConvolutionLayer) l).getCnn2dDataFormat() == CNN2DFormat.NCHW;
    }
    if (l.getClass() == SubsamplingLayer.class) {
      return ((SubsamplingLayer) l).getCnn2dDataFormat() == CNN2DFormat.NCHW;
    }
    if (l instanceof BatchNormalization) {
      return ((BatchNormalization) l).getCnn2DFormat() == CNN2DFormat.NCHW;
    }
    if (l.getClass() == GlobalPoolingLayer.class) {
      int[] dims = ((GlobalPoolingLayer) l).getPoolingDimensions();
      return dims == null || (dims.length == 2 && dims[0] == 2 && dims[1] == 3);
    }
    if (l.getClass() == ReluLayer.class) {
      return true; // element-wise: any layout
    }
    // vectors in, vectors out: a dense head after global pooling (a dense layer on a map has a preprocessor)
    return l.getClass() == ActivationLayer.class || l.getClass() == DenseLayer.class || l.getClass() == OutputLayer.class
        || l.getClass() == LossLayer.class;
  }

  /**
   * The network in NHWC: it takes [N,H,W,C] input ({@link org.selfsup.tasks.ImageBatch#toNhwc}; a
   * patch network [N,V·H,W,C]: the V views of an example stacked along the height) and
   * gives [N,H,W,C] maps ({@link #toNchw} views them as NCHW) and the same [N,C] vectors. It starts
   * from {@code model}'s parameters, updater state and iteration and epoch counts (copies).
   *
   * @throws IllegalArgumentException when {@link #supports} is false
   */
  public static ComputationGraph copyOf(ComputationGraph model) {
    if (!supports(model.getConfiguration())) {
      throw new IllegalArgumentException("network has a vertex that cannot run channels-last");
    }
    ComputationGraphConfiguration conf = model.getConfiguration().clone();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      GraphVertex v = e.getValue();
      if (v instanceof ChannelSubsetVertex) {
        e.setValue(new ChannelSubsetVertex(((ChannelSubsetVertex) v).getFrom(), ((ChannelSubsetVertex) v).getTo(), true));
      } else if (v instanceof MergeVertex) {
        ((MergeVertex) v).setMergeAxis(3);
      } else if (v instanceof ReshapeVertex && ((ReshapeVertex) v).getNewShape().length == 4) {
        int[] nchw = ((ReshapeVertex) v).getNewShape();
        ((ReshapeVertex) v).setNewShape(new int[] {nchw[0], nchw[2], nchw[3], nchw[1]});
      }
    }
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      GraphVertex v = e.getValue();
      if (v instanceof LayerVertex) {
        Layer l = ((LayerVertex) v).getLayerConf().getLayer();
        if (l instanceof ConvolutionLayer) {
          ((LayerVertex) v).getLayerConf().setLayer(DnnlConvolution.of((ConvolutionLayer) l, CNN2DFormat.NHWC));
        } else if (l instanceof SubsamplingLayer) {
          ((SubsamplingLayer) l).setCnn2dDataFormat(CNN2DFormat.NHWC);
        } else if (l instanceof BatchNormalization && !takesVectors(conf, e.getKey())) {
          // M2 hands vectors to batch norm as [N, C, 1, 1] whatever the format: NHWC would read the 1 as the channels
          ((BatchNormalization) l).setCnn2DFormat(CNN2DFormat.NHWC);
        } else if (l instanceof GlobalPoolingLayer) {
          ((GlobalPoolingLayer) l).setPoolingDimensions(SPATIAL_NHWC.clone());
        }
      }
    }
    fuseBatchNormRelu(conf);
    ComputationGraph copy = new ComputationGraph(conf);
    // Convolution weights stay [out, in, kh, kw] in either layout. The flat array only sizes the copy's
    // parameters (no random draws); copyState then puts each in its place by name, as fusing can reorder them.
    copy.init(model.params().dup(), false);
    copyState(model, copy);
    return copy;
  }

  /**
   * Where a batch norm of maps feeds only a ReLU layer (and is not an output of the network), the
   * batch norm takes the ReLU's place and name and applies it (oneDNN's fused primitives; {@link
   * BatchNormReluLayer}): the same value at every vertex left, one layer and one pass over the maps
   * fewer each way. DL4J orders the parameters of the graph it is left with by its own topological
   * sort, which can differ from the original's: {@link #copyState} carries them by name.
   */
  static void fuseBatchNormRelu(ComputationGraphConfiguration conf) {
    Map<String, Integer> consumers = new HashMap<>();
    for (List<String> inputs : conf.getVertexInputs().values()) {
      for (String in : inputs) {
        consumers.merge(in, 1, Integer::sum);
      }
    }
    Map<String, String> fusedInto = new HashMap<>(); // batch norm -> the ReLU whose place it takes
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      List<String> inputs = conf.getVertexInputs().get(e.getKey());
      Layer relu = layerOf(e.getValue());
      if (relu == null || relu.getClass() != ReluLayer.class || inputs == null || inputs.size() != 1) {
        continue;
      }
      String bn = inputs.get(0);
      Layer bnLayer = layerOf(conf.getVertices().get(bn));
      if (bnLayer != null && bnLayer.getClass() == RowwiseBatchNormalization.class
          && ((RowwiseBatchNormalization) bnLayer).getCnn2DFormat() == CNN2DFormat.NHWC
          && consumers.get(bn) == 1 && !conf.getNetworkOutputs().contains(bn)) {
        fusedInto.put(bn, e.getKey());
      }
    }
    if (fusedInto.isEmpty()) {
      return;
    }
    Map<String, GraphVertex> vertices = new LinkedHashMap<>();
    Map<String, List<String>> vertexInputs = new LinkedHashMap<>();
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      String name = e.getKey();
      if (fusedInto.containsValue(name)) {
        continue; // the ReLU: its batch norm takes its name
      }
      String as = fusedInto.getOrDefault(name, name);
      if (!as.equals(name)) {
        RowwiseBatchNormalization bn = (RowwiseBatchNormalization) layerOf(e.getValue());
        bn.setReluFused(true);
        bn.setLayerName(as);
      }
      vertices.put(as, e.getValue());
      vertexInputs.put(as, conf.getVertexInputs().get(name));
    }
    conf.setVertices(vertices);
    conf.setVertexInputs(vertexInputs);
    // the order DL4J derives (as it does again for every clone of this configuration, on Spark's workers too)
    conf.setTopologicalOrder(null);
    conf.setTopologicalOrderStr(null);
  }

  private static Layer layerOf(GraphVertex v) {
    return v instanceof LayerVertex && ((LayerVertex) v).getPreProcessor() == null
        ? ((LayerVertex) v).getLayerConf().getLayer() : null;
  }

  /**
   * Copies parameters, updater state (momentum; where {@code from} has an updater) and iteration and
   * epoch counts from one of a network's layouts to the other ({@link #copyOf} made one from the other),
   * layer by layer and parameter by parameter by name: a batch norm fused with its ReLU goes by the
   * ReLU's name in the copy, and the two graphs can order their parameters differently.
   *
   * @throws IllegalArgumentException when the two differ in parameter or updater state count
   */
  public static void copyState(ComputationGraph from, ComputationGraph to) {
    if (from.numParams() != to.numParams()) {
      throw new IllegalArgumentException("networks differ in parameters: " + from.numParams() + " and " + to.numParams());
    }
    ComputationGraphConfiguration fromConf = from.getConfiguration();
    ComputationGraphConfiguration toConf = to.getConfiguration();
    for (org.deeplearning4j.nn.api.Layer layer : to.getLayers()) {
      if (layer.numParams() == 0) {
        continue;
      }
      String name = layer.conf().getLayer().getLayerName();
      String sourceName = counterpart(fromConf, toConf, name);
      org.deeplearning4j.nn.api.Layer source = from.getVertex(sourceName) == null ? null : from.getLayer(sourceName);
      if (source == null || source.numParams() != layer.numParams()) {
        throw new IllegalArgumentException("networks differ in the parameters of " + name);
      }
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        p.getValue().assign(source.getParam(p.getKey()));
      }
    }
    // an updater only where one exists: a network loaded for inference has none, and making one allocates its state
    if (from.getUpdater(false) != null && from.getUpdater(false).getStateViewArray() != null) {
      Map<String, INDArray[]> source = updaterState(from);
      Map<String, INDArray[]> target = updaterState(to);
      if (source.size() != target.size()) {
        throw new IllegalArgumentException("networks differ in updater state");
      }
      for (Map.Entry<String, INDArray[]> e : target.entrySet()) {
        int slash = e.getKey().lastIndexOf('/');
        String key = counterpart(fromConf, toConf, e.getKey().substring(0, slash)) + e.getKey().substring(slash);
        INDArray[] s = source.get(key);
        if (s == null || s.length != e.getValue().length) {
          throw new IllegalArgumentException("networks differ in the updater state of " + e.getKey());
        }
        for (int j = 0; j < s.length; j++) {
          e.getValue()[j].assign(s[j]);
        }
      }
    }
    to.getConfiguration().setIterationCount(from.getConfiguration().getIterationCount());
    to.getConfiguration().setEpochCount(from.getConfiguration().getEpochCount());
  }

  /**
   * The name in {@code fromConf} of the layer {@code toConf} calls {@code name}: the same, except
   * across a batch norm fused with its ReLU ({@link #fuseBatchNormRelu}), which takes the ReLU's name.
   */
  private static String counterpart(ComputationGraphConfiguration fromConf, ComputationGraphConfiguration toConf,
      String name) {
    Layer there = layerOf(fromConf.getVertices().get(name));
    if (there instanceof ReluLayer && fused(layerOf(toConf.getVertices().get(name)))) {
      return fromConf.getVertexInputs().get(name).get(0); // the batch norm before that ReLU
    }
    if (there == null && !fromConf.getVertices().containsKey(name)) {
      for (Map.Entry<String, List<String>> e : toConf.getVertexInputs().entrySet()) {
        if (e.getValue().equals(List.of(name)) && fused(layerOf(fromConf.getVertices().get(e.getKey())))) {
          return e.getKey(); // the ReLU whose place the batch norm took
        }
      }
    }
    return name;
  }

  private static boolean fused(Layer l) {
    return l instanceof RowwiseBatchNormalization && ((RowwiseBatchNormalization) l).isReluFused();
  }

  /**
   * Each parameter's updater state in {@code g}, keyed "layer/parameter": views of its part of each
   * state array of its block (DL4J's updaters keep k state arrays of the block's length one after the
   * other: momentum 1, Adam 2). Parameters without state (NoOp) are absent.
   */
  private static Map<String, INDArray[]> updaterState(ComputationGraph g) {
    Map<String, INDArray[]> out = new HashMap<>();
    for (UpdaterBlock block : ((BaseMultiLayerUpdater<?>) g.getUpdater(true)).getUpdaterBlocks()) {
      INDArray view = block.getUpdaterView();
      long n = block.getParamOffsetEnd() - block.getParamOffsetStart();
      if (view == null || view.length() == 0) {
        continue;
      }
      if (view.length() % n != 0) {
        throw new IllegalStateException("updater state of " + view.length() + " values for " + n + " parameters");
      }
      INDArray flat = view.reshape(view.length());
      int k = (int) (view.length() / n);
      for (UpdaterBlock.ParamState p : block.getLayersAndVariablesInBlock()) {
        long offset = p.getParamOffsetStart() - block.getParamOffsetStart();
        long length = p.getParamOffsetEnd() - p.getParamOffsetStart();
        INDArray[] parts = new INDArray[k];
        for (int j = 0; j < k; j++) {
          parts[j] = flat.get(NDArrayIndex.interval(j * n + offset, j * n + offset + length));
        }
        out.put(p.getLayer().getConfig().getLayerName() + "/" + p.getParamName(), parts);
      }
    }
    return out;
  }

  /** An [N,H,W,C] map seen as [N,C,H,W] (a view); vectors and other ranks as they are. */
  public static INDArray toNchw(INDArray a) {
    return a.rank() == 4 ? a.permute(0, 3, 1, 2) : a;
  }

  /** An [N,C,H,W] batch copied to [N,H,W,C]. */
  public static INDArray toNhwc(INDArray nchw) {
    return nchw.permute(0, 2, 3, 1).dup('c');
  }
}
