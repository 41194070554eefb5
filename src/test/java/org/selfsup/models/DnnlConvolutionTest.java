package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

class DnnlConvolutionTest {
  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static ComputationGraph single(int in, int size, int out, int k, int stride, int pad, ConvolutionMode mode,
      boolean bias) {
    ConvolutionLayer conv = new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad).nOut(out)
        .hasBias(bias).convolutionMode(mode).activation(Activation.IDENTITY).build();
    ComputationGraphConfiguration conf = Optimisation.base(new TrainConfig(), 0.1).dataType(DataType.FLOAT).graphBuilder()
        .addInputs("in").setInputTypes(InputType.convolutional(size, size, in))
        .addLayer("conv", DnnlConvolution.of(conv), "in")
        .setOutputs("conv").build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    g.initGradientsView();
    return g;
  }

  /** Direct loops over the definition: y = w * x + b with top/left padding pt, pl (zero outside). */
  private static float[][][][] forward(float[][][][] x, float[][][][] w, float[] b, int s, int pt, int pl, int oh, int ow) {
    int n = x.length, ic = x[0].length, ih = x[0][0].length, iw = x[0][0][0].length, oc = w.length, k = w[0][0].length;
    float[][][][] y = new float[n][oc][oh][ow];
    for (int a = 0; a < n; a++) for (int o = 0; o < oc; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < ow; j++) {
      double sum = b == null ? 0 : b[o];
      for (int c = 0; c < ic; c++) for (int p = 0; p < k; p++) for (int q = 0; q < k; q++) {
        int r = i * s - pt + p, t = j * s - pl + q;
        if (r >= 0 && r < ih && t >= 0 && t < iw) {
          sum += (double) x[a][c][r][t] * w[o][c][p][q];
        }
      }
      y[a][o][i][j] = (float) sum;
    }
    return y;
  }

  @ParameterizedTest(name = "{0}->{2} ch, {1} px, k{3} s{4} pad {5} {6} bias {7}")
  @CsvSource({
      "16,9,24,1,1,0,Same,false",   // the 1x1 convolutions of a bottleneck
      "8,9,16,3,1,0,Same,false",    // 3x3, padding 1 all round
      "8,10,16,3,2,0,Same,false",   // 3x3 stride 2 on an even size: padding bottom and right only
      "16,9,32,1,2,0,Same,false",   // strided projection shortcut
      "16,10,32,1,2,0,Same,false",  // ... on an even size: the last row and column are not read
      "3,12,8,7,2,0,Same,true",     // the standard root, with bias
      "8,9,8,3,2,1,Truncate,true",  // explicit padding
      "1,7,8,3,1,0,Same,false",     // a one-channel input (Fashion-MNIST's root)
      "128,4,512,1,1,0,Same,false"})// a wide 1x1 convolution
  void matchesTheDefinitionForwardAndBackward(int in, int size, int out, int k, int stride, int pad,
      ConvolutionMode mode, boolean bias) {
    ComputationGraph g = single(in, size, out, k, stride, pad, mode, bias);
    Layer layer = g.getLayer("conv");
    assertTrue(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) layer).getHelper()
        instanceof DnnlConvolutionHelper, "the oneDNN 3 helper is in place");
    Nd4j.getRandom().setSeed(11);
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, in, size, size).subi(0.5);
    INDArray w = layer.getParam("W");
    w.assign(Nd4j.rand(DataType.FLOAT, w.shape()).subi(0.5));
    float[] b = null;
    if (bias) {
      layer.getParam("b").assign(Nd4j.rand(DataType.FLOAT, layer.getParam("b").shape()));
      b = layer.getParam("b").toFloatVector();
    }
    float[][][][] xs = toArray(x), ws = toArray(w);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(x, mgr);
    INDArray y = layer.activate(true, mgr);
    int oh = (int) y.size(2);
    int pt = mode == ConvolutionMode.Same ? Math.max((oh - 1) * stride + k - size, 0) / 2 : pad;
    INDArray expected = Nd4j.create(forward(xs, ws, b, stride, pt, pt, oh, oh));
    assertEquals(oh, mode == ConvolutionMode.Same ? (size + stride - 1) / stride : (size + 2 * pad - k) / stride + 1);
    assertTrue(expected.equalsWithEps(y, 1e-4), "forward");

    // backward: the gradient of L = sum(y * dy) by finite-free identities: dL/dx and dL/dw from the definition
    INDArray dy = Nd4j.rand(DataType.FLOAT, y.shape()).subi(0.5);
    float[][][][] dys = toArray(dy);
    Pair<Gradient, INDArray> back = layer.backpropGradient(dy, mgr);
    float[][][][] dx = new float[xs.length][in][size][size];
    float[][][][] dw = new float[out][in][k][k];
    float[] db = new float[out];
    for (int a = 0; a < xs.length; a++) for (int o = 0; o < out; o++) for (int i = 0; i < oh; i++) for (int j = 0; j < oh; j++) {
      float d = dys[a][o][i][j];
      db[o] += d;
      for (int c = 0; c < in; c++) for (int p = 0; p < k; p++) for (int q = 0; q < k; q++) {
        int r = i * stride - pt + p, t = j * stride - pt + q;
        if (r >= 0 && r < size && t >= 0 && t < size) {
          dx[a][c][r][t] += d * ws[o][c][p][q];
          dw[o][c][p][q] += d * xs[a][c][r][t];
        }
      }
    }
    assertTrue(Nd4j.create(dx).equalsWithEps(back.getSecond(), 1e-4), "input gradient");
    assertTrue(Nd4j.create(dw).equalsWithEps(back.getFirst().getGradientFor("W").reshape(out, in, k, k), 1e-4),
        "weight gradient");
    if (bias) {
      assertTrue(Nd4j.createFromArray(db).equalsWithEps(back.getFirst().getGradientFor("b").reshape(out), 1e-4), "bias");
    } else {
      assertEquals(null, back.getFirst().getGradientFor("b"));
    }
  }

  @ParameterizedTest(name = "{0}->{2} ch, {1} px, k{3} s{4} pad {5} {6} bias {7}")
  @CsvSource({
      "16,9,24,1,1,0,Same,false",
      "8,10,16,3,2,0,Same,false",
      "16,10,32,1,2,0,Same,false",
      "3,12,8,7,2,0,Same,true",
      "8,9,8,3,2,1,Truncate,true",
      "1,7,8,3,1,0,Same,false",
      // ResNet's block4 projection and a 1x1 map to 512 channels (oneDNN's AVX-512 kernels got these
      // wrong on an AMD EPYC VM: DnnlSelfCheck)
      "256,8,512,1,2,0,Same,false",
      "64,1,512,1,1,0,Same,false",
      "128,4,512,1,1,0,Same,false"})
  void channelsLastInferenceMatchesChannelsFirst(int in, int size, int out, int k, int stride, int pad,
      ConvolutionMode mode, boolean bias) {
    ComputationGraph g = single(in, size, out, k, stride, pad, mode, bias);
    Layer nchw = g.getLayer("conv");
    ConvolutionLayer conv = new ConvolutionLayer.Builder(k, k).stride(stride, stride).padding(pad, pad).nOut(out)
        .hasBias(bias).convolutionMode(mode).activation(Activation.IDENTITY).build();
    ComputationGraph last = new ComputationGraph(Optimisation.base(new TrainConfig(), 0.1).dataType(DataType.FLOAT)
        .graphBuilder().addInputs("in").setInputTypes(InputType.convolutional(size, size, in, CNN2DFormat.NHWC))
        .addLayer("conv", DnnlConvolution.of(conv, CNN2DFormat.NHWC), "in").setOutputs("conv").build());
    last.init();
    Layer nhwc = last.getLayer("conv");
    assertTrue(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nhwc).getHelper()
        instanceof DnnlConvolutionHelper, "the oneDNN 3 helper is in place");
    Nd4j.getRandom().setSeed(17);
    nchw.setParams(Nd4j.rand(DataType.FLOAT, 1, nchw.numParams()).subi(0.5));
    nhwc.setParams(nchw.params().dup());
    INDArray x = Nd4j.rand(DataType.FLOAT, 3, in, size, size).subi(0.5);
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    nchw.setInput(x, mgr);
    nhwc.setInput(x.permute(0, 2, 3, 1).dup('c'), mgr);
    INDArray expected = nchw.activate(false, mgr);
    INDArray actual = nhwc.activate(false, mgr);
    assertArrayEquals(new long[] {3, expected.size(2), expected.size(3), out}, actual.shape());
    assertTrue(expected.equalsWithEps(actual.permute(0, 3, 1, 2), 1e-5), "NHWC output");

    // the backward pass in NHWC (what the trainer runs where the network allows it)
    g.initGradientsView();
    last.initGradientsView();
    nchw.setInput(x, mgr);
    nhwc.setInput(x.permute(0, 2, 3, 1).dup('c'), mgr);
    nchw.activate(true, mgr);
    nhwc.activate(true, mgr);
    INDArray dy = Nd4j.rand(DataType.FLOAT, expected.shape()).subi(0.5);
    Pair<Gradient, INDArray> first = nchw.backpropGradient(dy, mgr);
    Pair<Gradient, INDArray> channelsLast = nhwc.backpropGradient(dy.permute(0, 2, 3, 1).dup('c'), mgr);
    assertTrue(first.getSecond().equalsWithEps(channelsLast.getSecond().permute(0, 3, 1, 2), 1e-4), "input gradient");
    assertTrue(first.getFirst().getGradientFor("W").equalsWithEps(channelsLast.getFirst().getGradientFor("W"), 1e-4),
        "weight gradient");
    assertTrue(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) nhwc).getHelper().toString()
        .endsWith(" 0 refused)"), "oneDNN 3 ran every NHWC call");
  }

  @Test
  void readsAndWritesViewsAtTheirOffset() {
    ComputationGraph g = single(4, 6, 5, 3, 1, 0, ConvolutionMode.Same, false);
    Layer layer = g.getLayer("conv");
    Nd4j.getRandom().setSeed(3);
    INDArray big = Nd4j.rand(DataType.FLOAT, 5, 4, 6, 6);
    INDArray view = big.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    assertTrue(view.offset() > 0 && view.isView());
    LayerWorkspaceMgr mgr = LayerWorkspaceMgr.noWorkspaces();
    layer.setInput(view, mgr);
    INDArray fromView = layer.activate(false, mgr).dup();
    layer.setInput(view.dup(), mgr);
    assertEquals(layer.activate(false, mgr), fromView);
  }

  @Test
  void trainsTheTrunkAsDl4jsConvolutionDoes() {
    ComputationGraph[] pair = TrunkTestGraphs.trunkWithLayerReplaced(DnnlConvolution.class.getName(),
        ConvolutionLayer.class.getName());
    ComputationGraph ours = pair[0];
    ComputationGraph dl4j = pair[1];
    int ourConvs = 0;
    for (Layer layer : ours.getLayers()) {
      if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
        assertTrue(((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) layer).getHelper()
            instanceof DnnlConvolutionHelper);
        ourConvs++;
      }
    }
    assertEquals(9, ourConvs);
    for (Layer layer : dl4j.getLayers()) {
      assertTrue(!(layer instanceof DnnlConvolution.Runtime));
      if (layer instanceof org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) {
        withoutHelper((org.deeplearning4j.nn.layers.convolution.ConvolutionLayer) layer);
      }
    }
    // Not bit-equal: oneDNN and im2col + BLAS sum in different orders, and three steps through batch
    // norm over 6 images magnify that. 1e-5 failed once in CI (3.4e-5 on one weight after the third
    // step); a weight gradient only 1% too large moves root_conv_W 1.8e-4 off in the first step.
    TrunkTestGraphs.assertTrainAlike(dl4j, ours, 1e-4);
  }

  /**
   * DL4J's convolution on its own code (im2col and BLAS) instead of its oneDNN 2.3 helper: on the
   * AMD EPYC family 26 VM that helper runs oneDNN 2.3's AVX-512 kernels (the family the self-check
   * found wrong in oneDNN 3.3), and this comparison failed there once in a full test run with the
   * root convolution's weights 2e-4 apart after two steps (docs/results.md, 2026-12-04).
   */
  private static void withoutHelper(org.deeplearning4j.nn.layers.convolution.ConvolutionLayer layer) {
    try {
      java.lang.reflect.Field helper =
          org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class.getDeclaredField("helper");
      helper.setAccessible(true);
      helper.set(layer, null);
    } catch (ReflectiveOperationException e) {
      throw new AssertionError(e);
    }
  }

  private static float[][][][] toArray(INDArray a) {
    long[] s = a.shape();
    float[][][][] r = new float[(int) s[0]][(int) s[1]][(int) s[2]][(int) s[3]];
    for (int i = 0; i < s[0]; i++) for (int j = 0; j < s[1]; j++) for (int p = 0; p < s[2]; p++) for (int q = 0; q < s[3]; q++) {
      r[i][j][p][q] = a.getFloat(i, j, p, q);
    }
    return r;
  }
}
