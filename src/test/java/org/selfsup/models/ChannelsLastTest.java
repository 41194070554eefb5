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
import org.deeplearning4j.nn.conf.graph.GraphVertex;
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
    // each of the 10 batch norms feeds one ReLU (3 per pre-activation block, the final one): all fused
    assertEquals(10, fusedPairs(nhwc.getConfiguration()));
    assertEquals(classifier.getVertices().length - 10, nhwc.getVertices().length, "the ReLU layers are gone");
    // each fused layer holds the parameters of the batch norm it replaces (drawn per layer above)
    for (org.deeplearning4j.nn.api.Layer l : nhwc.getLayers()) {
      if (l instanceof BatchNormReluLayer) {
        String name = l.getConfig().getLayerName();
        String bn = name.endsWith("final_relu") ? name.replace("final_relu", "final_bn") : name.replace("_relu", "_bn");
        assertEquals(classifier.getLayer(bn).params(), l.params(), name);
      }
    }
    assertEquals(0, fusedPairs(classifier.getConfiguration()), "the original stays as it was");
    ComputationGraph restored = new ComputationGraph(ComputationGraphConfiguration.fromJson(nhwc.getConfiguration().toJson()));
    assertEquals(10, fusedPairs(restored.getConfiguration()), "the fusion survives DL4J's JSON");
    restored.init(nhwc.params().dup(), false);
    assertEquals(10, java.util.Arrays.stream(restored.getLayers()).filter(l -> l instanceof BatchNormReluLayer).count());
    assertEquals(0.0, expected.sub(restored.outputSingle(false, ChannelsLast.toNhwc(x))).amaxNumber().doubleValue(), 1e-6);
    // DL4J's Spark workers build the network from a clone of its configuration (no cached order of the vertices)
    ComputationGraph cloned = new ComputationGraph(nhwc.getConfiguration().clone());
    cloned.init();
    ChannelsLast.copyState(classifier, cloned);
    assertEquals(0.0, expected.sub(cloned.outputSingle(false, ChannelsLast.toNhwc(x))).amaxNumber().doubleValue(), 1e-6);
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
      double apart = inNchwOrder(nhwc, nchw).params().sub(nchw.params()).amaxNumber().doubleValue();
      assertTrue(largest > 1e-3 && apart <= 0.05 * largest,
          arch + " step " + step + ": parameters moved up to " + largest + ", the layouts are " + apart + " apart");
    }
    INDArray nhwcMomentum = inNchwOrder(nhwc, nchw).getUpdater().getStateViewArray();
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
      double apart = inNchwOrder(nhwc, nchw).params().sub(nchw.params()).amaxNumber().doubleValue();
      assertTrue(largest > 1e-3 && apart <= 0.05 * largest,
          "step " + step + ": parameters moved up to " + largest + ", the layouts are " + apart + " apart");
    }
  }

  /** The channels-last copy's parameters and updater state carried into a clone of the NCHW network (its order). */
  private static ComputationGraph inNchwOrder(ComputationGraph nhwc, ComputationGraph nchw) {
    ComputationGraph carried = nchw.clone();
    ChannelsLast.copyState(nhwc, carried);
    return carried;
  }

  /** Batch norms that apply a ReLU, each in the place and under the name of a ReLU layer. */
  private static int fusedPairs(ComputationGraphConfiguration conf) {
    int fused = 0;
    for (Map.Entry<String, GraphVertex> e : conf.getVertices().entrySet()) {
      if (e.getValue() instanceof LayerVertex
          && ((LayerVertex) e.getValue()).getLayerConf().getLayer() instanceof RowwiseBatchNormalization
          && ((RowwiseBatchNormalization) ((LayerVertex) e.getValue()).getLayerConf().getLayer()).isReluFused()) {
        assertTrue(e.getKey().contains("relu"), e.getKey());
        assertEquals(e.getKey(), ((LayerVertex) e.getValue()).getLayerConf().getLayer().getLayerName());
        fused++;
      }
    }
    return fused;
  }

  /**
   * Only a batch norm of maps whose one consumer is a ReLU and that is no output of the network
   * takes the ReLU: one feeding a ReLU and a sum, one that is an output, one of vectors stay apart.
   */
  @Test
  void fusesOnlyBatchNormsThatFeedOneReluAlone() {
    TrunkConfig cfg = TrunkConfig.small("resnet50v2", 1, 8, 1);
    ComputationGraphConfiguration.GraphBuilder b = TrunkTestGraphs.builder(cfg);
    b.addLayer("conv", DnnlConvolution.of(new ConvolutionLayer.Builder(3, 3).nOut(4).hasBias(false)
        .convolutionMode(org.deeplearning4j.nn.conf.ConvolutionMode.Same).build()), Models.INPUT);
    b.addLayer("alone_bn", RowwiseBatchNormalization.of(0.9, 1e-3), "conv");
    b.addLayer("alone_relu", new ReluLayer(), "alone_bn");
    b.addLayer("shared_bn", RowwiseBatchNormalization.of(0.9, 1e-3), "alone_relu");
    b.addLayer("shared_relu", new ReluLayer(), "shared_bn");
    b.addVertex("sum", new org.deeplearning4j.nn.conf.graph.ElementWiseVertex(
        org.deeplearning4j.nn.conf.graph.ElementWiseVertex.Op.Add), "shared_relu", "shared_bn");
    b.addLayer("output_bn", RowwiseBatchNormalization.of(0.9, 1e-3), "sum");
    b.addLayer("output_relu", new ReluLayer(), "output_bn");
    b.setOutputs("output_relu", "output_bn");
    ComputationGraph nchw = new ComputationGraph(b.build());
    nchw.init();
    randomBatchNormStatistics(nchw);
    ComputationGraph nhwc = ChannelsLast.copyOf(nchw);
    assertEquals(1, fusedPairs(nhwc.getConfiguration()));
    assertTrue(((RowwiseBatchNormalization) ((LayerVertex) nhwc.getConfiguration().getVertices().get("alone_relu"))
        .getLayerConf().getLayer()).isReluFused());
    assertFalse(nhwc.getConfiguration().getVertices().containsKey("alone_bn"));
    assertTrue(nhwc.getConfiguration().getVertices().containsKey("shared_bn"));
    assertTrue(nhwc.getConfiguration().getVertices().containsKey("output_bn"));
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 3, 8, 8).subi(0.5);
    INDArray[] expected = nchw.output(false, x);
    INDArray[] got = nhwc.output(false, ChannelsLast.toNhwc(x));
    for (int k = 0; k < 2; k++) {
      assertTrue(expected[k].equalsWithEps(ChannelsLast.toNchw(got[k]), 1e-5), "output " + k);
    }
    assertTrue(expected[1].minNumber().doubleValue() < 0, "the batch norm output is not clipped");
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
    // layer by layer: a fused batch norm holds, under its ReLU's name, the batch norm before that ReLU
    int layers = 0;
    for (org.deeplearning4j.nn.api.Layer l : fresh.getLayers()) {
      if (l.numParams() > 0) {
        String name = l.conf().getLayer().getLayerName();
        boolean isRelu = nchw.getConfiguration().getVertices().get(name) instanceof LayerVertex
            && ((LayerVertex) nchw.getConfiguration().getVertices().get(name)).getLayerConf().getLayer() instanceof ReluLayer;
        String there = isRelu ? nchw.getConfiguration().getVertexInputs().get(name).get(0) : name;
        assertEquals(l.params(), nchw.getLayer(there).params(), name);
        layers++;
      }
    }
    assertEquals(nchw.getLayers().length - 7, fresh.getLayers().length, "7 ReLUs fused: 3 per block, the final one");
    assertEquals(layers, java.util.Arrays.stream(nchw.getLayers()).filter(l -> l.numParams() > 0).count());
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
