package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.CnnLossLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.selfsup.runtime.Nd4jSetup;

/** RevNet50: shapes, parameter counts, invertible blocks, the channel doubling, a training step. */
class RevNetBuilderTest {
  private static final String ARCH = "revnet50";
  private static final int CLASSES = 5;
  private static final TrunkTestGraphs.Trunk REVNET = RevNetBuilder::addTrunk;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  /**
   * RevNet50 at k=4, 224 px, counted by hand (no published count exists for this layout, so every term is
   * written out): root 7·7·3·256 = 37,632; a block of stage channels C has F and G, each a bottleneck
   * h=C/2 -> m=C/8 -> m -> h: 2(h·m + 9m² + m·h) = 34m² conv weights and BN channels 2(h + 2m) = 12m; stages
   * m = 32, 64, 128, 256 with 3, 4, 6, 3 blocks; final BN 2048.
   */
  @Test
  void revnet50ParamCountByHand() {
    long conv = 37_632 + 3 * 34 * 32 * 32 + 4 * 34 * 64 * 64 + 6 * 34 * 128 * 128 + 3 * 34 * 256 * 256;
    long bnChannels = 3 * 12 * 32 + 4 * 12 * 64 + 6 * 12 * 128 + 3 * 12 * 256 + 2048;
    assertEquals(10_726_144L, conv);
    assertEquals(24_704L, bnChannels);
    assertEquals(conv, convParams(4, 7, new int[] {3, 4, 6, 3}), "the formula below agrees with the sum above");

    TrunkConfig cfg = TrunkConfig.standard(ARCH, 4, 224);
    TrunkTestGraphs.Counts c = TrunkTestGraphs.count(TrunkTestGraphs.configuration(REVNET, cfg, 1000));
    assertEquals(conv, c.conv);
    assertEquals(bnChannels, c.bnChannels);
    assertEquals(2 * bnChannels, c.bnRunningStats);
    // trunk 10,775,552 + the 2048 -> 1000 dense logits with bias
    assertEquals(conv + 2 * bnChannels + 2048L * 1000 + 1000, c.trainable);
    assertEquals(12_824_552L, c.trainable);
  }

  @Test
  void smallNetworkInstantiatesWithTheCountedParameters() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 32, 1, 2, 1, 1);
    ComputationGraph graph = TrunkTestGraphs.classifier(REVNET, cfg, CLASSES);
    TrunkTestGraphs.Counts c = TrunkTestGraphs.count(graph.getConfiguration());
    assertEquals(convParams(1, 3, new int[] {1, 2, 1, 1}), c.conv);
    assertEquals(c.trainable + c.bnRunningStats, graph.numParams());
  }

  /** Conv weights of a RevNet of width k, written out independently of RevNetBuilder. */
  private static long convParams(int k, int rootKernel, int[] blocks) {
    long total = (long) rootKernel * rootKernel * 3 * 64 * k;
    for (int s = 0; s < blocks.length; s++) {
      long channels = 64L * k << s;
      long h = channels / 2;
      long m = h / 4;
      total += blocks[s] * 2 * (h * m + 9 * m * m + m * h);
    }
    return total;
  }

  @Test
  void eachBlockIsInvertible() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 8, 1);
    int channels = 32;
    int half = channels / 2;

    ComputationGraphConfiguration.GraphBuilder fb = new NeuralNetConfiguration.Builder().seed(3).graphBuilder()
        .addInputs("x").setInputTypes(InputType.convolutional(8, 8, channels));
    String out = RevNetBuilder.addBlock(fb, cfg, "", "blk_", "x", channels);
    ComputationGraph forward = new ComputationGraph(fb.setOutputs(out).build());
    forward.init();
    SeededInit.apply(forward);
    randomiseBatchNorm(forward);

    // The inverse, from F and G alone: x2 = y2 - G(y1), x1 = y1 - F(x2).
    ComputationGraphConfiguration.GraphBuilder ib = new NeuralNetConfiguration.Builder().seed(4).graphBuilder()
        .addInputs("y").setInputTypes(InputType.convolutional(8, 8, channels));
    ib.addVertex("y1", new ChannelSubsetVertex(0, half - 1), "y");
    ib.addVertex("y2", new ChannelSubsetVertex(half, channels - 1), "y");
    String g = RevNetBuilder.addResidualFunction(ib, cfg, "", "blk_g_", "y1", half);
    ib.addVertex("x2", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "y2", g);
    String f = RevNetBuilder.addResidualFunction(ib, cfg, "", "blk_f_", "x2", half);
    ib.addVertex("x1", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "y1", f);
    ib.addVertex("x_rec", new MergeVertex(), "x1", "x2");
    ComputationGraph inverse = new ComputationGraph(ib.setOutputs("x_rec").build());
    inverse.init();
    int copied = 0;
    for (Layer layer : inverse.getLayers()) {
      String name = layer.conf().getLayer().getLayerName();
      if (layer.numParams() > 0) {
        layer.setParams(forward.getLayer(name).params().dup());
      }
      copied++;
    }
    assertEquals(forward.getLayers().length, copied, "the inverse uses every layer of the block");

    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.randn(new long[] {3, channels, 8, 8});
    INDArray y = forward.outputSingle(false, x.dup());
    INDArray xRec = inverse.outputSingle(false, y.dup());

    double moved = y.sub(x).norm2Number().doubleValue() / x.norm2Number().doubleValue();
    assertTrue(moved > 0.1, "the block is not near the identity (relative change " + moved + ")");
    double error = xRec.sub(x).amaxNumber().doubleValue();
    assertTrue(error < 1e-4, "max |x - x recomputed| = " + error);
    // and y2 really depends on G: y2 - x2 is not zero
    INDArray y2MinusX2 = y.get(NDArrayIndex.all(), NDArrayIndex.interval(half, channels)).sub(
        x.get(NDArrayIndex.all(), NDArrayIndex.interval(half, channels)));
    assertTrue(y2MinusX2.amaxNumber().doubleValue() > 1e-2);
  }

  /** Gives every BN layer non-trivial scale, shift and running statistics, so inference mode uses them. */
  private static void randomiseBatchNorm(ComputationGraph graph) {
    Nd4j.getRandom().setSeed(5);
    for (Layer layer : graph.getLayers()) {
      Map<String, INDArray> p = layer.paramTable();
      if (!p.containsKey(BatchNormalizationParamInitializer.GAMMA)) {
        continue;
      }
      long n = p.get(BatchNormalizationParamInitializer.GAMMA).length();
      set(p.get(BatchNormalizationParamInitializer.GAMMA), Nd4j.rand(new long[] {1, n}).addi(0.5));
      set(p.get(BatchNormalizationParamInitializer.BETA), Nd4j.randn(new long[] {1, n}).muli(0.3));
      set(p.get(BatchNormalizationParamInitializer.GLOBAL_MEAN), Nd4j.randn(new long[] {1, n}).muli(0.3));
      INDArray variance = Nd4j.rand(new long[] {1, n}).addi(0.5);
      if (p.containsKey(BatchNormalizationParamInitializer.GLOBAL_VAR)) {
        set(p.get(BatchNormalizationParamInitializer.GLOBAL_VAR), variance);
      } else { // DL4J's default: the running variance stored as log10 of the standard deviation
        set(p.get(BatchNormalizationParamInitializer.GLOBAL_LOG_STD),
            org.nd4j.linalg.ops.transforms.Transforms.log(variance, 10).muli(0.5));
      }
    }
  }

  private static void set(INDArray param, INDArray values) {
    param.assign(values.reshape(param.shape()));
  }

  @Test
  void smallVariantAt32() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 32, 1, 1, 1, 1);
    // 3x3/1 root with 64 channels, no pool; strides 1, 2, 2, 2 by average pool; channels double per stage.
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 64, 32, 32});
    expected.put("block1", new long[] {2, 64, 32, 32});
    expected.put("block2", new long[] {2, 128, 16, 16});
    expected.put("block3", new long[] {2, 256, 8, 8});
    expected.put("block4", new long[] {2, 512, 4, 4});
    expected.put("pre_logits", new long[] {2, 512});
    expected.put("logits", new long[] {2, CLASSES});
    Map<String, INDArray> acts = TrunkTestGraphs.checkEndpoints(REVNET, cfg, CLASSES, expected);

    // Stage 2's input: block1 average-pooled 2x2, with 32 zero channels on each side.
    INDArray padded = acts.get("block2_pad_merge");
    INDArray pooled = acts.get("block2_pool");
    INDArray block1 = acts.get("block1_unit1_out");
    assertEquals(0.0, padded.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 32)).amaxNumber().doubleValue());
    assertEquals(0.0, padded.get(NDArrayIndex.all(), NDArrayIndex.interval(96, 128)).amaxNumber().doubleValue());
    assertEquals(pooled, padded.get(NDArrayIndex.all(), NDArrayIndex.interval(32, 96)));
    double corner = (block1.getDouble(1, 5, 0, 0) + block1.getDouble(1, 5, 0, 1) + block1.getDouble(1, 5, 1, 0)
        + block1.getDouble(1, 5, 1, 1)) / 4;
    assertEquals(corner, pooled.getDouble(1, 5, 0, 0), 1e-5);
  }

  @Test
  void standardRootWithFourShortStagesAt64() {
    TrunkConfig cfg = TrunkConfig.standard(ARCH, 1, 64).withBlocksPerStage(1, 1, 1, 1);
    // 7x7/2 root: 64 -> 32; 3x3/2 max-pool: -> 16; then strides 1, 2, 2, 2.
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 64, 16, 16});
    expected.put("block1", new long[] {2, 64, 16, 16});
    expected.put("block2", new long[] {2, 128, 8, 8});
    expected.put("block3", new long[] {2, 256, 4, 4});
    expected.put("block4", new long[] {2, 512, 2, 2});
    expected.put("pre_logits", new long[] {2, 512});
    expected.put("logits", new long[] {2, CLASSES});
    TrunkTestGraphs.checkEndpoints(REVNET, cfg, CLASSES, expected);
  }

  @Test
  void patchVariantKeepsTheLastStageAtFullSize() {
    TrunkConfig cfg = PatchModel.patchTrunk(TrunkConfig.standard(ARCH, 1, 64).withBlocksPerStage(1, 1, 1, 1), 32);
    // root stride 1 (32), 3x3/2 max-pool (16), stage strides 1, 2, 2, 1
    Map<String, long[]> expected = new LinkedHashMap<>();
    expected.put("after_root", new long[] {2, 64, 16, 16});
    expected.put("block1", new long[] {2, 64, 16, 16});
    expected.put("block2", new long[] {2, 128, 8, 8});
    expected.put("block3", new long[] {2, 256, 4, 4});
    expected.put("block4", new long[] {2, 512, 4, 4});
    expected.put("pre_logits", new long[] {2, 512});
    expected.put("logits", new long[] {2, CLASSES});
    TrunkTestGraphs.checkEndpoints(REVNET, cfg, CLASSES, expected);
  }

  /** Checkpoints and Spark workers rebuild the network from its JSON: the custom vertices must survive it. */
  @Test
  void configurationSurvivesJson() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 16, 1, 1);
    ComputationGraph graph = TrunkTestGraphs.classifier(REVNET, cfg, CLASSES);
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(graph.getConfiguration().toJson());
    assertEquals(graph.getConfiguration(), back);
    assertTrue(back.getVertices().get("block1_unit1_x1") instanceof ChannelSubsetVertex);
    ComputationGraph rebuilt = new ComputationGraph(back);
    rebuilt.init(graph.params().dup(), false);
    INDArray x = Nd4j.rand(new int[] {2, 3, 16, 16});
    assertEquals(graph.outputSingle(false, x.dup()), rebuilt.outputSingle(false, x.dup()));
  }

  /**
   * The zero padding's backward pass: a 1×1 conv W feeding the channel doubling, then a squared error.
   * Everything is linear up to the quadratic loss, so central differences of the score are exact up to
   * float rounding; the analytic gradient of W must match them.
   */
  @Test
  void zeroPaddingBackpropagatesTheGradientOfTheKeptChannels() {
    TrunkConfig cfg = TrunkConfig.small(ARCH, 1, 4, 1, 1);
    ComputationGraphConfiguration.GraphBuilder b = new NeuralNetConfiguration.Builder()
        .seed(2)
        .updater(new NoOp())
        .graphBuilder()
        .addInputs("x")
        .setInputTypes(InputType.convolutional(3, 3, 2));
    b.addLayer("w", new ConvolutionLayer.Builder(1, 1).nOut(4).hasBias(false).activation(Activation.IDENTITY)
        .weightInit(WeightInit.XAVIER_UNIFORM).build(), "x");
    String padded = RevNetBuilder.addChannelDoubling(b, cfg, "", "pad_", "w", 4);
    b.addLayer("loss", new CnnLossLayer.Builder(LossFunctions.LossFunction.MSE).activation(Activation.IDENTITY)
        .build(), padded);
    ComputationGraph graph = new ComputationGraph(b.setOutputs("loss").build());
    graph.init();

    Nd4j.getRandom().setSeed(3);
    INDArray x = Nd4j.randn(new long[] {2, 2, 3, 3});
    INDArray target = Nd4j.randn(new long[] {2, 8, 3, 3});
    DataSet data = new DataSet(x, target);
    INDArray padOut = graph.feedForward(x, false).get(padded);
    assertArrayEquals(new long[] {2, 8, 3, 3}, padOut.shape());

    graph.setInputs(x);
    graph.setLabels(target);
    graph.computeGradientAndScore();
    INDArray analytic = graph.gradient().getGradientFor("w_W").dup();
    INDArray w = graph.getLayer("w").getParam("W");
    assertTrue(analytic.amaxNumber().doubleValue() > 1e-2, "a gradient to check");
    double h = 1e-2;
    for (int i = 0; i < w.length(); i++) {
      double orig = w.getDouble(i);
      w.putScalar(i, orig + h);
      double up = graph.score(data, true);
      w.putScalar(i, orig - h);
      double down = graph.score(data, true);
      w.putScalar(i, orig);
      // DL4J's gradient is summed over the minibatch (its updater divides); the score is the mean.
      assertEquals(2 * (up - down) / (2 * h), analytic.getDouble(i), 1e-3, "dL/dW[" + i + "]");
    }
  }

  @Test
  void oneTrainingStepPerVariant() {
    TrunkTestGraphs.checkTrainingStep(REVNET, TrunkConfig.small(ARCH, 1, 32, 1, 1, 1, 1), CLASSES);
    TrunkTestGraphs.checkTrainingStep(REVNET, TrunkConfig.standard(ARCH, 1, 64).withBlocksPerStage(1, 1, 1, 1),
        CLASSES);
    TrunkTestGraphs.checkTrainingStep(REVNET,
        PatchModel.patchTrunk(TrunkConfig.standard(ARCH, 1, 64).withBlocksPerStage(1, 1, 1, 1), 32), CLASSES);
  }
}
