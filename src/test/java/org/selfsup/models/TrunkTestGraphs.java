package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/**
 * A trunk builder inside the same whole network {@link Models} builds (trunk -> dense logits -> softmax
 * loss), for testing builders that are not registered yet; plus parameter counting from a configuration.
 */
final class TrunkTestGraphs {
  /** The shape of {@link TrunkBuilder#addTrunk(ComputationGraphConfiguration.GraphBuilder, String, TrunkConfig)}. */
  interface Trunk {
    LinkedHashMap<String, String> add(ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg);
  }

  private TrunkTestGraphs() {}

  /** A graph builder with the input {@link Models#INPUT} of {@code cfg}'s shape (seed 1, SGD 0.01). */
  static ComputationGraphConfiguration.GraphBuilder builder(TrunkConfig cfg) {
    return new NeuralNetConfiguration.Builder()
        .seed(1)
        .updater(new Sgd(0.01))
        .graphBuilder()
        .addInputs(Models.INPUT)
        .setInputTypes(InputType.convolutional(cfg.inputHeight, cfg.inputWidth, cfg.inputChannels));
  }

  static ComputationGraphConfiguration configuration(Trunk trunk, TrunkConfig cfg, int classes) {
    ComputationGraphConfiguration.GraphBuilder b = builder(cfg);
    String preLogits = trunk.add(b, Models.INPUT, cfg).get("pre_logits");
    b.addLayer(Models.LOGITS, new DenseLayer.Builder().nOut(classes).activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM).build(), preLogits);
    b.addLayer(Models.OUTPUT, new LossLayer.Builder().activation(Activation.SOFTMAX)
        .lossFunction(new LossMCXENT()).build(), Models.LOGITS);
    b.setOutputs(Models.OUTPUT);
    return b.build();
  }

  static ComputationGraph classifier(Trunk trunk, TrunkConfig cfg, int classes) {
    ComputationGraph graph = new ComputationGraph(configuration(trunk, cfg, classes));
    graph.init();
    return SeededInit.apply(graph);
  }

  static LinkedHashMap<String, String> endpoints(Trunk trunk, TrunkConfig cfg) {
    ComputationGraphConfiguration.GraphBuilder b =
        new NeuralNetConfiguration.Builder().graphBuilder().addInputs(Models.INPUT);
    LinkedHashMap<String, String> endpoints = trunk.add(b, Models.INPUT, cfg);
    endpoints.put(Models.LOGITS, Models.LOGITS);
    return endpoints;
  }

  /** Parameter counts read from a configuration, without allocating the parameters. */
  static final class Counts {
    long trainable;
    long bnRunningStats;
    long conv;
    long bnChannels;
  }

  static Counts count(ComputationGraphConfiguration conf) {
    Counts c = new Counts();
    for (GraphVertex v : conf.getVertices().values()) {
      if (!(v instanceof LayerVertex)) {
        assertEquals(0, v.numParams(true), "a vertex that is not a layer holds no parameters: " + v);
        continue;
      }
      Layer layer = ((LayerVertex) v).getLayerConf().getLayer();
      long n = layer.initializer().numParams(layer);
      if (layer instanceof BatchNormalization) {
        long channels = ((BatchNormalization) layer).getNOut();
        assertEquals(4 * channels, n, "gamma, beta, running mean, running variance");
        c.trainable += 2 * channels;
        c.bnRunningStats += 2 * channels;
        c.bnChannels += channels;
      } else {
        c.trainable += n;
      }
      if (layer instanceof ConvolutionLayer) {
        c.conv += n;
      }
    }
    return c;
  }

  /** Runs a batch of 2 random images and compares every endpoint's shape; returns the activations. */
  static Map<String, INDArray> checkEndpoints(Trunk trunk, TrunkConfig cfg, int classes,
      Map<String, long[]> expected) {
    LinkedHashMap<String, String> endpoints = endpoints(trunk, cfg);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(endpoints.keySet()), "endpoint names, in order");
    ComputationGraph graph = classifier(trunk, cfg, classes);
    INDArray x = Nd4j.rand(new int[] {2, cfg.inputChannels, cfg.inputHeight, cfg.inputWidth});
    Map<String, INDArray> acts = graph.feedForward(x, false);
    for (Map.Entry<String, long[]> e : expected.entrySet()) {
      INDArray a = acts.get(endpoints.get(e.getKey()));
      assertNotNull(a, e.getKey() + " -> " + endpoints.get(e.getKey()));
      assertArrayEquals(e.getValue(), a.shape(), e.getKey());
    }
    return acts;
  }

  /** One SGD step on 4 random images with one-hot labels: finite loss, and the parameters moved. */
  static void checkTrainingStep(Trunk trunk, TrunkConfig cfg, int classes) {
    ComputationGraph graph = classifier(trunk, cfg, classes);
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(new int[] {4, cfg.inputChannels, cfg.inputHeight, cfg.inputWidth}).subi(0.5);
    INDArray y = Nd4j.zeros(4, classes);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, i % classes, 1.0);
    }
    INDArray before = graph.params().dup();
    graph.fit(new INDArray[] {x}, new INDArray[] {y});
    double loss = graph.score();
    assertTrue(Double.isFinite(loss) && loss > 0, "loss " + loss);
    assertTrue(Double.isFinite(graph.params().sumNumber().doubleValue()), "parameters stay finite");
    assertNotEquals(before, graph.params(), "the step changed the parameters");
  }

  /**
   * The quickstart-shaped trunk (ResNet50 v2, 12 px, one block per stage, 4 classes) twice with the
   * same parameters: as the builders make it, and with {@code ours} (a class name in its JSON)
   * replaced by {@code theirs}. Returns {ours, theirs}.
   */
  static ComputationGraph[] trunkWithLayerReplaced(String ours, String theirs) {
    TrunkConfig trunk = TrunkConfig.small("resnet50v2", 1, 12, 1, 1).withBatchNorm(0.9, 1e-3);
    ComputationGraphConfiguration conf = Models.configuration(Optimisation.base(new TrainConfig(), 0.05)
        .dataType(DataType.FLOAT), trunk, 4,
        Activation.SOFTMAX, new LossMCXENT());
    String json = conf.toJson();
    assertTrue(json.contains(ours), ours + " in the trunk's JSON");
    ComputationGraph built = new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
    built.init();
    ComputationGraph replaced = new ComputationGraph(ComputationGraphConfiguration.fromJson(json.replace(ours, theirs)));
    replaced.init(built.params().dup(), true);
    return new ComputationGraph[] {built, replaced};
  }

  /**
   * Fits both networks (same parameters) three times on the same 6 seeded 12 px images of 4 classes
   * and checks that scores and parameters stay within {@code eps} of each other (exactly equal when
   * {@code eps} is 0), then the inference outputs.
   */
  static void assertTrainAlike(ComputationGraph expected, ComputationGraph actual, double eps) {
    DataSet batch = trainingBatch();
    INDArray x = batch.getFeatures();
    INDArray y = batch.getLabels();
    for (int step = 0; step < 3; step++) {
      actual.fit(new DataSet(x, y));
      expected.fit(new DataSet(x, y));
      assertEquals(expected.score(), actual.score(), eps, "score at step " + step);
      if (eps == 0) {
        assertEquals(expected.params(), actual.params(), "parameters after step " + step);
      } else {
        assertTrue(expected.params().equalsWithEps(actual.params(), eps),
            "parameters after step " + step + ", largest difference " + largestDifference(expected, actual));
      }
    }
    INDArray out = actual.outputSingle(false, x);
    assertTrue(eps == 0 ? expected.outputSingle(false, x).equals(out)
        : expected.outputSingle(false, x).equalsWithEps(out, eps), "inference output");
  }

  /** 6 seeded 12 px images in [-1, 3) with labels of 4 classes, for {@link #trunkWithLayerReplaced}'s networks. */
  static DataSet trainingBatch() {
    Nd4j.getRandom().setSeed(5);
    INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, 12, 12).muli(4).subi(1);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
    for (int i = 0; i < 6; i++) {
      y.putScalar(i, i % 4, 1);
    }
    return new DataSet(x, y);
  }

  /** The parameter whose values differ most between two networks of the same configuration, and by how much. */
  private static String largestDifference(ComputationGraph a, ComputationGraph b) {
    String worst = "";
    double most = -1;
    for (Map.Entry<String, INDArray> e : a.paramTable().entrySet()) {
      double d = e.getValue().sub(b.paramTable().get(e.getKey())).amaxNumber().doubleValue();
      if (d > most) {
        most = d;
        worst = e.getKey();
      }
    }
    return worst + " " + most;
  }
}
