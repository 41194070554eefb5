package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

class DnnlBatchNormTest {
  private static final double EPS = 1e-3;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static Layer single(int channels, int size, DataType type) {
    return single(channels, size, type, CNN2DFormat.NCHW);
  }

  private static Layer single(int channels, int size, DataType type, CNN2DFormat format) {
    return single(channels, size, type, format, false);
  }

  private static Layer single(int channels, int size, DataType type, CNN2DFormat format, boolean reluFused) {
    RowwiseBatchNormalization bn = RowwiseBatchNormalization.of(0.9, EPS);
    bn.setCnn2DFormat(format);
    bn.setReluFused(reluFused);
    ComputationGraphConfiguration conf = Optimisation.base(new TrainConfig(), 0.1).dataType(type).graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(size, size, channels, format))
        .addLayer("bn", bn, "in")
        .setOutputs("bn").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    g.initGradientsView();
    Layer layer = g.getLayer("bn");
    Nd4j.getRandom().setSeed(13);
    layer.getParam("gamma").assign(Nd4j.rand(DataType.FLOAT, 1, channels).addi(0.5));
    layer.getParam("beta").assign(Nd4j.rand(DataType.FLOAT, 1, channels).subi(0.5));
    return layer;
  }

  private static Object helper(Layer layer) {
    return ((BatchNormalization) layer).getHelper();
  }

  /**
   * Forward with the batch statistics, backward, and the running statistics, against the
   * definition computed in double over the float inputs: μ, biased σ², x̂ = (x − μ)/sqrt(σ² + ε),
   * y = γ x̂ + β; dβ = Σ dy, dγ = Σ dy x̂, dx = γ/sqrt(σ² + ε) (dy − dβ/M − x̂ dγ/M).
   */
  @ParameterizedTest(name = "[{0},{1},{2},{2}]")
  @CsvSource({"4,8,5", "2,3,1", "8,16,7", "3,1,4"})
  void matchesTheDefinitionForwardAndBackward(int n, int c, int size) {
    Layer layer = single(c, size, DataType.FLOAT);
    assertTrue(helper(layer) instanceof DnnlBatchNormHelper, "the oneDNN 3 helper is in place");
    INDArray x = Nd4j.rand(DataType.FLOAT, n, c, size, size).muli(3).subi(1);
    INDArray dy = Nd4j.rand(DataType.FLOAT, n, c, size, size).subi(0.5);
    double[] gamma = layer.getParam("gamma").toDoubleVector();
    double[] beta = layer.getParam("beta").toDoubleVector();
    int m = n * size * size;
    double[][] y = new double[c][m];
    double[][] dx = new double[c][m];
    double[] dGamma = new double[c];
    double[] dBeta = new double[c];
    double[] mu = new double[c];
    double[] var = new double[c];
    for (int j = 0; j < c; j++) {
      double[] xs = channel(x, j);
      double[] ds = channel(dy, j);
      for (double v : xs) {
        mu[j] += v / m;
      }
      for (double v : xs) {
        var[j] += (v - mu[j]) * (v - mu[j]) / m;
      }
      double sd = Math.sqrt(var[j] + EPS);
      for (int i = 0; i < m; i++) {
        double xHat = (xs[i] - mu[j]) / sd;
        y[j][i] = gamma[j] * xHat + beta[j];
        dBeta[j] += ds[i];
        dGamma[j] += ds[i] * xHat;
      }
      for (int i = 0; i < m; i++) {
        double xHat = (xs[i] - mu[j]) / sd;
        dx[j][i] = gamma[j] / sd * (ds[i] - dBeta[j] / m - xHat * dGamma[j] / m);
      }
    }
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray out = layer.activate(true, mgr);
    Pair<Gradient, INDArray> back = layer.backpropGradient(dy, mgr);
    for (int j = 0; j < c; j++) {
      assertClose(y[j], channel(out, j), 1e-4, "output of channel " + j);
      assertClose(dx[j], channel(back.getSecond(), j), 1e-4, "input gradient of channel " + j);
    }
    assertClose(dGamma, back.getFirst().getGradientFor("gamma").toDoubleVector(), 1e-3, "gamma gradient");
    assertClose(dBeta, back.getFirst().getGradientFor("beta").toDoubleVector(), 1e-3, "beta gradient");
    // DL4J updates the running statistics from the helper's batch mean and variance
    DnnlBatchNormHelper helper = (DnnlBatchNormHelper) helper(layer);
    assertClose(mu, helper.getMeanCache(DataType.FLOAT).toDoubleVector(), 1e-5, "batch mean");
    assertClose(var, helper.getVarCache(DataType.FLOAT).toDoubleVector(), 1e-4, "batch variance");
  }

  /**
   * The layer with the ReLU fused against the same layer without it followed by the ReLU's definition:
   * output max(y, 0), gradients those of the batch norm for dy·(y > 0); in training and inference,
   * channels-first and channels-last, on oneDNN's fused primitives (float) and on the row-wise
   * helper or DL4J's code with the ReLU applied after them (double).
   */
  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"FLOAT,NCHW", "FLOAT,NHWC", "DOUBLE,NCHW", "DOUBLE,NHWC"})
  void fusedReluIsBatchNormThenRelu(DataType type, CNN2DFormat format) {
    int n = 4;
    int c = 6;
    int size = 5;
    Layer plain = single(c, size, type, format, false);
    Layer fused = single(c, size, type, format, true);
    assertTrue(fused instanceof BatchNormReluLayer);
    assertEquals(plain.params(), fused.params());
    long[] shape = format == CNN2DFormat.NCHW ? new long[] {n, c, size, size} : new long[] {n, size, size, c};
    Nd4j.getRandom().setSeed(29);
    INDArray x = Nd4j.rand(type, shape).muli(3).subi(1.5);
    INDArray dy = Nd4j.rand(type, shape).subi(0.5);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    plain.setInput(x, mgr);
    fused.setInput(x, mgr);
    for (boolean training : new boolean[] {false, true}) {
      INDArray y = plain.activate(training, mgr);
      INDArray expected = Transforms.relu(y, true);
      INDArray actual = fused.activate(training, mgr);
      assertEquals(type == DataType.FLOAT, ((DnnlBatchNormHelper) helper(fused)).appliedRelu(),
          "oneDNN applied the ReLU (training " + training + ")");
      assertTrue(expected.equalsWithEps(actual, 1e-5), "output, training " + training);
      assertTrue(actual.minNumber().doubleValue() >= 0 && y.lt(0).castTo(DataType.INT32).sumNumber().intValue() > 10,
          "some values clipped");
      if (training) {
        INDArray masked = dy.mul(Transforms.step(y, true));
        Pair<Gradient, INDArray> want = plain.backpropGradient(masked, mgr);
        Pair<Gradient, INDArray> got = fused.backpropGradient(dy, mgr);
        assertTrue(want.getSecond().equalsWithEps(got.getSecond(), 1e-5), "input gradient");
        for (String param : new String[] {"gamma", "beta"}) {
          assertTrue(want.getFirst().getGradientFor(param).equalsWithEps(got.getFirst().getGradientFor(param), 1e-4),
              param + " gradient");
        }
      }
    }
  }

  @Test
  void inferenceUsesTheRunningStatistics() {
    Layer layer = single(3, 4, DataType.FLOAT);
    layer.getParam("mean").assign(Nd4j.createFromArray(new float[] {0.5f, -1f, 2f}).reshape(1, 3));
    // DL4J keeps the running variance as log10 of the standard deviation
    layer.getParam("log10stdev").assign(
        Nd4j.createFromArray(new float[] {(float) Math.log10(2), (float) Math.log10(0.5), 0f}).reshape(1, 3));
    INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 4, 4);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray out = layer.activate(false, mgr);
    double[] gamma = layer.getParam("gamma").toDoubleVector();
    double[] beta = layer.getParam("beta").toDoubleVector();
    double[] mean = {0.5, -1, 2};
    double[] var = {4, 0.25, 1};
    for (int j = 0; j < 3; j++) {
      double[] xs = channel(x, j);
      double[] expected = new double[xs.length];
      for (int i = 0; i < xs.length; i++) {
        expected[i] = gamma[j] * (xs[i] - mean[j]) / Math.sqrt(var[j] + EPS) + beta[j];
      }
      assertClose(expected, channel(out, j), 1e-5, "channel " + j);
    }
  }

  @Test
  void channelsLastGivesTheSameValuesAsChannelsFirst() {
    Layer nchw = single(5, 4, DataType.FLOAT, CNN2DFormat.NCHW);
    Layer nhwc = single(5, 4, DataType.FLOAT, CNN2DFormat.NHWC);
    assertTrue(helper(nhwc) instanceof DnnlBatchNormHelper);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, 5, 4, 4).muli(2);
    INDArray dy = Nd4j.rand(DataType.FLOAT, 3, 5, 4, 4).subi(0.5);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    nchw.setInput(x, mgr);
    nhwc.setInput(x.permute(0, 2, 3, 1).dup('c'), mgr);
    for (boolean training : new boolean[] {false, true}) {
      INDArray expected = nchw.activate(training, mgr);
      INDArray actual = nhwc.activate(training, mgr).permute(0, 3, 1, 2);
      assertTrue(expected.equalsWithEps(actual, 1e-5), "training " + training);
    }
    Pair<Gradient, INDArray> first = nchw.backpropGradient(dy, mgr);
    Pair<Gradient, INDArray> last = nhwc.backpropGradient(dy.permute(0, 2, 3, 1).dup('c'), mgr);
    assertTrue(first.getSecond().equalsWithEps(last.getSecond().permute(0, 3, 1, 2), 1e-5), "input gradient");
    assertTrue(first.getFirst().getGradientFor("gamma").equalsWithEps(last.getFirst().getGradientFor("gamma"), 1e-4));
  }

  @Test
  void readsAViewAtItsOffsetAndAStridedView() {
    Layer layer = single(4, 3, DataType.FLOAT);
    INDArray big = Nd4j.rand(DataType.FLOAT, 5, 4, 3, 3);
    INDArray offsetView = big.get(NDArrayIndex.interval(2, 5));
    INDArray strided = Nd4j.rand(DataType.FLOAT, 3, 8, 3, 3).get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2, 8));
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    for (INDArray view : new INDArray[] {offsetView, strided}) {
      layer.setInput(view.dup('c'), mgr);
      INDArray fromCopy = layer.activate(false, mgr).dup();
      layer.setInput(view, mgr);
      assertEquals(fromCopy, layer.activate(false, mgr));
    }
  }

  @Test
  void aDoubleNetworkGoesToTheRowwiseHelper() {
    Layer layer = single(2, 3, DataType.DOUBLE);
    INDArray x = Nd4j.createFromArray(new double[] {1, 3, 5, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
        .reshape(1, 2, 3, 3);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray out = layer.activate(true, mgr);
    assertEquals(DataType.DOUBLE, out.dataType());
    // channel 0: values 1, 3, 5, 7, 0 x5 -> mean 16/9
    double gamma = layer.getParam("gamma").getDouble(0);
    double beta = layer.getParam("beta").getDouble(0);
    double mu = 16.0 / 9;
    double var = (1 + 9 + 25 + 49) / 9.0 - mu * mu;
    assertEquals(gamma * (1 - mu) / Math.sqrt(var + EPS) + beta, out.getDouble(0, 0, 0, 0), 1e-9);
  }

  @Test
  void trainsTheTrunkAsDl4jsBatchNormalizationDoes() {
    ComputationGraph[] pair = TrunkTestGraphs.trunkWithLayerReplaced(RowwiseBatchNormalization.class.getName(),
        org.deeplearning4j.nn.conf.layers.BatchNormalization.class.getName());
    int helpers = 0;
    for (Layer layer : pair[0].getLayers()) {
      if (layer instanceof BatchNormalization) {
        assertTrue(helper(layer) instanceof DnnlBatchNormHelper);
        helpers++;
      }
    }
    assertEquals(7, helpers);
    for (Layer layer : pair[1].getLayers()) {
      assertTrue(!(layer instanceof BatchNormalization) || !(helper(layer) instanceof DnnlBatchNormHelper));
    }
    // Two float implementations: a batch-norm output within rounding of zero can land on the other
    // side of the next ReLU and move that element's gradient (2 of 20 runs moved a parameter by
    // 1e-4 to 6e-4 after a few steps). So the steps are compared: what our network's parameters moved
    // must be what DL4J's moved, within 5% of the largest move; a wrong gradient term moves far more.
    ComputationGraph ours = pair[0];
    ComputationGraph dl4j = pair[1];
    INDArray start = dl4j.params().dup();
    DataSet batch = TrunkTestGraphs.trainingBatch();
    for (int step = 0; step < 3; step++) {
      ours.fit(batch);
      dl4j.fit(batch);
      assertEquals(dl4j.score(), ours.score(), 1e-3 * dl4j.score(), "score at step " + step);
      INDArray moved = dl4j.params().sub(start);
      double largest = moved.amaxNumber().doubleValue();
      double apart = ours.params().sub(dl4j.params()).amaxNumber().doubleValue();
      assertTrue(largest > 1e-3 && apart <= 0.05 * largest,
          "step " + step + ": parameters moved up to " + largest + ", the networks are " + apart + " apart");
    }
    INDArray expected = dl4j.outputSingle(false, batch.getFeatures());
    INDArray actual = ours.outputSingle(false, batch.getFeatures());
    assertTrue(expected.equalsWithEps(actual, 0.05 * expected.amaxNumber().doubleValue()),
        "inference output, with the running statistics");
  }

  /** The values of channel j of an NCHW array, example after example. */
  private static double[] channel(INDArray a, int j) {
    return a.get(NDArrayIndex.all(), NDArrayIndex.point(j)).dup('c').castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
  }

  private static void assertClose(double[] expected, double[] actual, double eps, String what) {
    assertEquals(expected.length, actual.length, what);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], actual[i], eps * Math.max(1, Math.abs(expected[i])), what + " at " + i);
    }
  }
}
