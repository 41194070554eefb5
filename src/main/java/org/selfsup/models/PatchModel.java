package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ReshapeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The network of the patch tasks (relative patch location, jigsaw). One example is V patches of
 * C channels stacked along the channel axis, input [N, V·C, P, P]; a reshape turns it into
 * [N·V, C, P, P] (the same memory), so one trunk — shared weights — runs on every patch; each
 * patch gives an {@code embedDim}-d vector ({@value #PATCH_LOGITS}, the original's trunk logits);
 * the V vectors of an example are concatenated back into [N, V·embedDim], then a {@code hidden}
 * unit layer with batch norm and ReLU, dropout 0.5, and the softmax output.
 */
public final class PatchModel {
  public static final String PATCHES = "patches";
  public static final String PATCH_LOGITS = "patch_logits";
  public static final String CONCAT = "concat";

  private PatchModel() {}

  /** The trunk of a patch task: the architecture's patch variant (ResNet: first conv stride 1, last stage stride 1; method spec: strides 2, 2, 1). */
  public static TrunkConfig patchTrunk(TrunkConfig cfg, int patchSize) {
    return Architectures.get(cfg.architecture).patch(cfg, patchSize);
  }

  /** The whole training network; {@code trunk} is already a {@link #patchTrunk}. */
  public static ComputationGraph build(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int views, int embedDim,
      int hidden, int numOutputs) {
    int c = trunk.inputChannels;
    int p = trunk.inputHeight;
    ComputationGraphConfiguration.GraphBuilder b = base.graphBuilder()
        .addInputs(Models.INPUT)
        .setInputTypes(InputType.convolutional(p, p, (long) views * c));
    b.addVertex(PATCHES, new ReshapeVertex(-1, c, p, p), Models.INPUT);
    String preLogits = TrunkBuilder.addTrunk(b, PATCHES, trunk).get("pre_logits");
    addPatchLogits(b, preLogits, embedDim);
    b.addVertex(CONCAT, new ReshapeVertex(-1, views * embedDim), PATCH_LOGITS);
    b.addLayer("fc_hidden", new DenseLayer.Builder().nOut(hidden).activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM).build(), CONCAT);
    b.addLayer("fc_bn", RowwiseBatchNormalization.of(trunk.bnDecay, trunk.bnEpsilon), "fc_hidden");
    b.addLayer("fc_relu", new ReluLayer(), "fc_bn");
    // DL4J's dropOut(p) is applied to the layer's input and p is the probability to keep.
    b.addLayer(Models.LOGITS, new DenseLayer.Builder().nOut(numOutputs).activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM).dropOut(0.5).build(), "fc_relu");
    b.addLayer(Models.OUTPUT, new LossLayer.Builder().activation(Activation.SOFTMAX).lossFunction(new LossMCXENT())
        .build(), Models.LOGITS);
    b.setOutputs(Models.OUTPUT);
    ComputationGraph graph = new ComputationGraph(b.build());
    graph.init();
    return SeededInit.apply(graph);
  }

  /** Endpoint → vertex of {@link #build}'s network and of {@link #representation}: the trunk's, and logits. */
  public static LinkedHashMap<String, String> endpoints(TrunkConfig trunk) {
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs(Models.INPUT);
    LinkedHashMap<String, String> endpoints = TrunkBuilder.addTrunk(b, Models.INPUT, trunk);
    endpoints.put(Models.LOGITS, PATCH_LOGITS);
    return endpoints;
  }

  /**
   * The trained network's trunk and patch logits as a network of one patch [N, C, P, P], for
   * feature extraction; the parameters (batch-norm statistics included) are copied by layer name.
   */
  public static ComputationGraph representation(ComputationGraph trained, TrunkConfig trunk, int embedDim) {
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs(Models.INPUT)
        .setInputTypes(InputType.convolutional(trunk.inputHeight, trunk.inputWidth, trunk.inputChannels));
    String preLogits = TrunkBuilder.addTrunk(b, Models.INPUT, trunk).get("pre_logits");
    addPatchLogits(b, preLogits, embedDim);
    b.setOutputs(PATCH_LOGITS);
    ComputationGraph graph = new ComputationGraph(b.build());
    graph.init();
    for (Layer layer : graph.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      Layer source = trained.getLayer(name);
      if (source == null || source.numParams() != layer.numParams()) {
        throw new IllegalArgumentException("the network is not a patch network of this trunk: layer " + name
            + (source == null ? " is missing" : " has " + source.numParams() + " parameters, expected " + layer.numParams()));
      }
      if (layer.numParams() > 0) {
        layer.setParams(source.params().dup());
      }
    }
    return graph;
  }

  private static void addPatchLogits(ComputationGraphConfiguration.GraphBuilder b, String preLogits, int embedDim) {
    b.addLayer(PATCH_LOGITS, new DenseLayer.Builder().nOut(embedDim).activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM).build(), preLogits);
  }
}
