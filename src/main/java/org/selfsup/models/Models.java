package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Whole networks: input {@value #INPUT} (NCHW) → trunk → {@value #LOGITS} (dense, identity, with bias) →
 * {@value #OUTPUT} (a parameter-free {@link LossLayer}: output activation + loss). The dense layer is
 * separate from the loss so that {@code feedForward(x, false).get("logits")} returns the raw logits.
 * Updater, L2 and seed come from the caller's builder.
 */
public final class Models {
  public static final String INPUT = "image";
  public static final String LOGITS = "logits";
  public static final String OUTPUT = "output";

  private Models() {}

  /** Classifier with softmax + cross-entropy on {@value #OUTPUT}; initialised. */
  public static ComputationGraph classifier(NeuralNetConfiguration.Builder base, TrunkConfig cfg, int numClasses) {
    return classifier(base, cfg, numClasses, Activation.SOFTMAX, new LossMCXENT());
  }

  /** Classifier with the given output activation and loss on {@value #OUTPUT}; initialised. */
  public static ComputationGraph classifier(NeuralNetConfiguration.Builder base, TrunkConfig cfg, int numClasses,
      Activation outputActivation, ILossFunction loss) {
    ComputationGraph graph = new ComputationGraph(configuration(base, cfg, numClasses, outputActivation, loss));
    graph.init();
    return SeededInit.apply(graph);
  }

  /** The configuration {@link #classifier} builds, for callers that create the network themselves. */
  public static ComputationGraphConfiguration configuration(NeuralNetConfiguration.Builder base, TrunkConfig cfg,
      int numClasses, Activation outputActivation, ILossFunction loss) {
    ComputationGraphConfiguration.GraphBuilder b = base.graphBuilder()
        .addInputs(INPUT)
        .setInputTypes(InputType.convolutional(cfg.inputHeight, cfg.inputWidth, cfg.inputChannels));
    String preLogits = TrunkBuilder.addTrunk(b, INPUT, cfg).get("pre_logits");
    b.addLayer(LOGITS, new DenseLayer.Builder()
        .nOut(numClasses)
        .activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM)
        .build(), preLogits);
    b.addLayer(OUTPUT, new LossLayer.Builder().activation(outputActivation).lossFunction(loss).build(), LOGITS);
    b.setOutputs(OUTPUT);
    return b.build();
  }

  /** Endpoint name → vertex name for {@link #classifier}'s network, including {@code logits}. */
  public static LinkedHashMap<String, String> endpoints(TrunkConfig cfg, int numClasses) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    // Names depend only on cfg; a throwaway builder keeps TrunkBuilder the one source of them.
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder().graphBuilder().addInputs(INPUT);
    LinkedHashMap<String, String> endpoints = TrunkBuilder.addTrunk(b, INPUT, cfg);
    endpoints.put(LOGITS, LOGITS);
    return endpoints;
  }
}
