package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/**
 * The channels-last copy of each architecture's trunk gives the endpoints of the original, with
 * batch norm's running statistics and scales made unlike the initial ones (1, 0), and trains as
 * the original does.
 */
class ChannelsLastTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  /** The trunk alone, each endpoint an output (through an identity, as eval.TrimmedGraph does). */
  private static ComputationGraph trunk(TrunkConfig cfg, List<String> outputs) {
    ComputationGraphConfiguration.GraphBuilder b = TrunkTestGraphs.builder(cfg);
    LinkedHashMap<String, String> endpoints = TrunkBuilder.addTrunk(b, Models.INPUT, cfg);
    List<String> names = new ArrayList<>();
    for (Map.Entry<String, String> e : endpoints.entrySet()) {
      b.addVertex(e.getKey() + "_out", new ScaleVertex(1.0), e.getValue());
      names.add(e.getKey() + "_out");
      outputs.add(e.getKey());
    }
    b.setOutputs(names.toArray(new String[0]));
    ComputationGraph g = new ComputationGraph(b.build());
    g.init();
    return g;
  }

  /** Every batch norm's parameters drawn per channel, so that a channel mix-up shows. */
  private static void randomBatchNormStatistics(ComputationGraph g) {
    for (org.deeplearning4j.nn.api.Layer l : g.getLayers()) {
      if (l instanceof org.deeplearning4j.nn.layers.normalization.BatchNormalization) {
        // gamma, beta, mean and the spread (var or log10stdev, depending on the layer's setting)
        for (Map.Entry<String, INDArray> p : l.paramTable().entrySet()) {
          INDArray r = Nd4j.rand(p.getValue().dataType(), p.getValue().shape());
          l.setParam(p.getKey(), p.getKey().equals("gamma") || p.getKey().equals("var") ? r.addi(0.5) : r.subi(0.5));
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2", "vgg19_bn", "revnet50", "resnet50v1 standard", "resnet50v2 standard",
      "revnet50 standard"})
  void everyEndpointMatchesTheChannelsFirstNetwork(String variant) {
    String arch = variant.split(" ")[0];
    boolean standard = variant.endsWith("standard");
    // standard: the paper's 7x7/2 root and 3x3/2 max-pool, at 64 px with short stages
    TrunkConfig cfg = standard ? TrunkConfig.standard(arch, 1, 64).withBlocksPerStage(1, 1, 1, 1)
        : arch.equals("vgg19_bn") ? TrunkConfig.small(arch, 1, 28, 2, 2, 4, 4, 4)
        : TrunkConfig.small(arch, 1, 28, 1, 1, 1);
    List<String> names = new ArrayList<>();
    ComputationGraph nchw = trunk(cfg, names);
    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 6, 3, cfg.inputHeight, cfg.inputWidth).subi(0.5).muli(2);
    randomBatchNormStatistics(nchw);
    assertTrue(ChannelsLast.supports(nchw.getConfiguration()), arch);
    ComputationGraph nhwc = ChannelsLast.copyOf(nchw);

    INDArray[] expected = nchw.output(false, x);
    INDArray[] got = nhwc.output(false, ChannelsLast.toNhwc(x));
    assertEquals(expected.length, got.length);
    for (int k = 0; k < expected.length; k++) {
      INDArray g = ChannelsLast.toNchw(got[k]);
      assertArrayEquals(expected[k].shape(), g.shape(), arch + " " + names.get(k));
      double scale = Math.max(1e-3, expected[k].amaxNumber().doubleValue());
      double diff = expected[k].sub(g).amaxNumber().doubleValue();
      assertTrue(diff <= 1e-5 * scale, arch + " " + names.get(k) + ": max difference " + diff + " at scale " + scale);
    }
    // the copy is independent: changing it leaves the original as it was
    nhwc.params().addi(1);
    assertEquals(0.0, nchw.output(false, x)[0].sub(expected[0]).amaxNumber().doubleValue(), 0.0);
  }

  @Test
  void aWholeClassifierConvertsAndGivesTheSameOutput() {
    ComputationGraph classifier = Models.classifier(new NeuralNetConfiguration.Builder().updater(new Sgd(0.1)),
        TrunkConfig.small("resnet50v2", 1, 28, 1, 1, 1), 4);
    randomBatchNormStatistics(classifier);
    assertTrue(ChannelsLast.supports(classifier.getConfiguration()));
    INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 28, 28);
    INDArray expected = classifier.outputSingle(false, x);
    ComputationGraph nhwc = ChannelsLast.copyOf(classifier);
    INDArray got = nhwc.outputSingle(false, ChannelsLast.toNhwc(x));
    assertEquals(0.0, expected.sub(got).amaxNumber().doubleValue(), 1e-6);
    // every convolution became the channels-last one, and the copy survives DL4J's JSON
    long convs = nhwc.getConfiguration().getVertices().values().stream()
        .filter(v -> v instanceof LayerVertex && ((LayerVertex) v).getLayerConf().getLayer() instanceof ConvolutionLayer)
        .peek(v -> assertTrue(((LayerVertex) v).getLayerConf().getLayer() instanceof DnnlConvolution && ((ConvolutionLayer) ((LayerVertex) v).getLayerConf().getLayer()).getCnn2dDataFormat() == CNN2DFormat.NHWC))
        .count();
    assertEquals(13, convs);
    ComputationGraph restored = new ComputationGraph(ComputationGraphConfiguration.fromJson(nhwc.getConfiguration().toJson()));
    restored.init(nhwc.params().dup(), false);
    assertEquals(0.0, expected.sub(restored.outputSingle(false, ChannelsLast.toNhwc(x))).amaxNumber().doubleValue(), 1e-6);
  }

  /**
   * Training the channels-last copy is training the network: three steps of the method's optimiser
   * (momentum, weight decay) on the quickstart-shaped classifier, in each architecture, compared with
   * the same steps in NCHW. Different float kernels: a value within rounding of zero can land on the
   * other side of a ReLU, so each step must match within 5% of the largest parameter move (as in
   * DnnlBatchNormTest); a layout mix-up (a channel read as a column) moves parameters far more.
   */
  @ParameterizedTest
  @ValueSource(strings = {"resnet50v1", "resnet50v2", "vgg19_bn", "revnet50"})
  void trainingTheCopyTrainsTheNetwork(String arch) {
    TrunkConfig trunk = arch.equals("vgg19_bn") ? TrunkConfig.small(arch, 1, 16, 1, 1, 1, 1, 1)
        : TrunkConfig.small(arch, 1, 12, 1, 1).withBatchNorm(0.9, 1e-3);
    ComputationGraph nchw = Models.classifier(Optimisation.base(new TrainConfig(), 0.05).dataType(DataType.FLOAT), trunk, 4);
    ComputationGraph nhwc = ChannelsLast.copyOf(nchw);
    Nd4j.getRandom().setSeed(5);
    INDArray y = Nd4j.zeros(DataType.FLOAT, 6, 4);
    for (int i = 0; i < 6; i++) {
      y.putScalar(i, i % 4, 1);
    }
    DataSet batch = new DataSet(Nd4j.rand(DataType.FLOAT, 6, 3, trunk.inputHeight, trunk.inputWidth).muli(4).subi(1), y);
    DataSet batchNhwc = new DataSet(ChannelsLast.toNhwc(batch.getFeatures()), batch.getLabels());
    INDArray start = nchw.params().dup();
    for (int step = 0; step < 3; step++) {
      nchw.fit(batch);
      nhwc.fit(batchNhwc);
      assertEquals(nchw.score(), nhwc.score(), 1e-3 * nchw.score(), arch + ": score at step " + step);
      double largest = nchw.params().sub(start).amaxNumber().doubleValue();
      double apart = nhwc.params().sub(nchw.params()).amaxNumber().doubleValue();
      assertTrue(largest > 1e-3 && apart <= 0.05 * largest,
          arch + " step " + step + ": parameters moved up to " + largest + ", the layouts are " + apart + " apart");
    }
    INDArray nhwcMomentum = nhwc.getUpdater().getStateViewArray();
    INDArray nchwMomentum = nchw.getUpdater().getStateViewArray();
    assertTrue(nchwMomentum.amaxNumber().doubleValue() > 0, "momentum is part of the state");
    assertTrue(nhwcMomentum.sub(nchwMomentum).amaxNumber().doubleValue()
        <= 0.05 * nchwMomentum.amaxNumber().doubleValue(), arch + ": momentum");
  }

  /**
   * A patch network (relative patch location, jigsaw): channels-last, its input holds the views of
   * an example stacked along the height, [N, V·P, P, C], and its first vertex splits them into
   * [N·V, P, P, C]. Same outputs as the NCHW network, and the same three training steps (dropout's
   * masks drawn from the same seed), within the tolerance of {@link #trainingTheCopyTrainsTheNetwork}.
   */
  @Test
  void patchNetworksTrainChannelsLast() {
    int views = 3;
    TrunkConfig trunk = PatchModel.patchTrunk(TrunkConfig.small("resnet50v1", 1, 28, 1, 1, 1), 8).withBatchNorm(0.9, 1e-3);
    ComputationGraph nchw = PatchModel.build(Optimisation.base(new TrainConfig(), 0.05).dataType(DataType.FLOAT), trunk,
        views, 6, 16, 5);
    assertTrue(ChannelsLast.supports(nchw.getConfiguration()));
    ComputationGraph nhwc = ChannelsLast.copyOf(nchw);
    assertArrayEquals(new int[] {-1, 8, 8, 3}, ((org.deeplearning4j.nn.conf.graph.ReshapeVertex) nhwc.getConfiguration()
        .getVertices().get(PatchModel.PATCHES)).getNewShape());
    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, views * 3, 8, 8).muli(4).subi(1);
    // each patch to NHWC, then the views of an example one above the other
    INDArray xNhwc = ChannelsLast.toNhwc(x.reshape('c', 4 * views, 3, 8, 8)).reshape('c', 4, views * 8, 8, 3);
    assertEquals(0.0, nchw.outputSingle(false, x).sub(nhwc.outputSingle(false, xNhwc)).amaxNumber().doubleValue(), 1e-5);

    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 5);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, (i * 2) % 5, 1);
    }
    INDArray start = nchw.params().dup();
    for (int step = 0; step < 3; step++) {
      Nd4j.getRandom().setSeed(10 + step);
      nchw.fit(new DataSet(x, y));
      Nd4j.getRandom().setSeed(10 + step);
      nhwc.fit(new DataSet(xNhwc, y));
      assertEquals(nchw.score(), nhwc.score(), 1e-3 * nchw.score(), "score at step " + step);
      double largest = nchw.params().sub(start).amaxNumber().doubleValue();
      double apart = nhwc.params().sub(nchw.params()).amaxNumber().doubleValue();
      assertTrue(largest > 1e-3 && apart <= 0.05 * largest,
          "step " + step + ": parameters moved up to " + largest + ", the layouts are " + apart + " apart");
    }
  }

  @Test
  void stateCarriesBetweenTheLayoutsExactly() {
    TrunkConfig trunk = TrunkConfig.small("resnet50v2", 1, 12, 1, 1);
    ComputationGraph nchw = Models.classifier(Optimisation.base(new TrainConfig(), 0.05).dataType(DataType.FLOAT), trunk, 4);
    String json = nchw.getConfiguration().toJson();
    ComputationGraph fresh = ChannelsLast.copyOf(nchw);
    assertTrue(nchw.getUpdater(false) == null && fresh.getUpdater(false) == null,
        "no updater is made for a network that has none (inference)");
    DataSet batch = TrunkTestGraphs.trainingBatch();
    DataSet batchNhwc = new DataSet(ChannelsLast.toNhwc(batch.getFeatures()), batch.getLabels());
    fresh.fit(batchNhwc);
    fresh.fit(batchNhwc);
    ChannelsLast.copyState(fresh, nchw);
    assertEquals(fresh.params(), nchw.params());
    assertEquals(fresh.getUpdater().getStateViewArray(), nchw.getUpdater().getStateViewArray());
    assertEquals(2, nchw.getConfiguration().getIterationCount());
    assertEquals(json.replaceAll("\"iterationCount\" : \\d+", ""),
        nchw.getConfiguration().toJson().replaceAll("\"iterationCount\" : \\d+", ""),
        "the NCHW network keeps its configuration");
    // and back: a copy made from the NCHW network continues exactly where the first left off
    ComputationGraph again = ChannelsLast.copyOf(nchw);
    assertEquals(fresh.getUpdater().getStateViewArray(), again.getUpdater().getStateViewArray());
    fresh.fit(batchNhwc);
    again.fit(batchNhwc);
    assertEquals(fresh.params(), again.params());
    assertEquals(fresh.score(), again.score(), 0.0);

    ComputationGraph other = Models.classifier(Optimisation.base(new TrainConfig(), 0.05), TrunkConfig.small("resnet50v2", 1, 12, 1), 4);
    assertThrows(IllegalArgumentException.class, () -> ChannelsLast.copyState(fresh, other));
  }

  @Test
  void networksWithOtherVerticesStayChannelsFirst() {
    // DL4J's own subset takes NCHW's channel axis, whatever the layout
    ComputationGraphConfiguration subset = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addVertex("half", new org.deeplearning4j.nn.conf.graph.SubsetVertex(0, 1), "conv")
        .setOutputs("half").build();
    assertFalse(ChannelsLast.supports(subset));
    ComputationGraph g = new ComputationGraph(subset);
    g.init();
    assertThrows(IllegalArgumentException.class, () -> ChannelsLast.copyOf(g));
    // nor is a dense layer on a map: its flattening order depends on the layout
    ComputationGraphConfiguration flat = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(3).build(), "in")
        .addLayer("dense", new DenseLayer.Builder().nOut(2).build(), "conv")
        .setOutputs("dense").build();
    assertFalse(ChannelsLast.supports(flat));
    // nor a reshape of a map: it is not the split of the network's input into views
    ComputationGraphConfiguration reshaped = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addVertex("split", new org.deeplearning4j.nn.conf.graph.ReshapeVertex(-1, 2, 2, 2), "conv")
        .setOutputs("split").build();
    assertFalse(ChannelsLast.supports(reshaped));
    ComputationGraphConfiguration flattened = new NeuralNetConfiguration.Builder().graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(4, 4, 2))
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).build(), "in")
        .addVertex("flat", new org.deeplearning4j.nn.conf.graph.ReshapeVertex(-1, 16), "conv")
        .setOutputs("flat").build();
    assertFalse(ChannelsLast.supports(flattened));
  }

  /** RevNet's channel halves: the last axis of NHWC maps, and NCHW for configurations written before the flag. */
  @Test
  void channelSubsetsTakeTheLayoutsChannelAxis() {
    ChannelSubsetVertex nhwc = new ChannelSubsetVertex(1, 2, true);
    String json = new NeuralNetConfiguration.Builder().graphBuilder().addInputs("in")
        .addVertex("half", nhwc, "in").setOutputs("half").build().toJson();
    assertTrue(json.contains("\"channelsLast\" : true"), json);
    ComputationGraphConfiguration restored = ComputationGraphConfiguration.fromJson(json);
    assertEquals(nhwc, restored.getVertices().get("half"));
    ComputationGraphConfiguration old = ComputationGraphConfiguration.fromJson(
        json.replace(",\n    \"channelsLast\" : true", "").replace("\"channelsLast\" : true,", ""));
    assertEquals(new ChannelSubsetVertex(1, 2), old.getVertices().get("half"));

    ComputationGraph g = new ComputationGraph(restored);
    g.init();
    INDArray x = Nd4j.arange(2 * 3 * 2 * 4).castTo(DataType.FLOAT).reshape(2, 3, 2, 4);
    INDArray y = g.outputSingle(false, x);
    assertEquals(x.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(1, 3)), y);
  }

  @Test
  void layoutConversionsRoundTrip() {
    INDArray x = Nd4j.arange(2 * 3 * 4 * 5).castTo(DataType.FLOAT).reshape(2, 3, 4, 5);
    INDArray nhwc = ChannelsLast.toNhwc(x);
    assertArrayEquals(new long[] {2, 4, 5, 3}, nhwc.shape());
    // element (n=1, c=2, h=3, w=4) of NCHW is (n=1, h=3, w=4, c=2) of NHWC
    assertEquals(x.getFloat(1, 2, 3, 4), nhwc.getFloat(1, 3, 4, 2), 0f);
    assertEquals(x, ChannelsLast.toNchw(nhwc));
    INDArray v = Nd4j.rand(DataType.FLOAT, 2, 7);
    assertTrue(v == ChannelsLast.toNchw(v));
  }
}
