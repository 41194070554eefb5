package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Random;
import org.deeplearning4j.gradientcheck.GradientCheckUtil;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.selfsup.runtime.Nd4jSetup;

class TripletSemiHardLossTest {
  private static final IActivation IDENTITY = new ActivationIdentity();
  private static final double FD_EPS = 1e-6;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  /** One-hot [groups.length, dims] labels, row i hot at column groups[i]. */
  private static INDArray labels(int[] groups, int dims, DataType type) {
    INDArray l = Nd4j.zeros(type, groups.length, dims);
    for (int i = 0; i < groups.length; i++) {
      l.putScalar(i, groups[i], 1.0);
    }
    return l;
  }

  private static INDArray matrix(double[][] rows, DataType type) {
    return Nd4j.createFromArray(rows).castTo(type);
  }

  private static INDArray randomMatrix(long seed, int rows, int cols) {
    Random rng = new Random(seed);
    double[][] m = new double[rows][cols];
    for (double[] row : m) {
      for (int k = 0; k < cols; k++) {
        row[k] = rng.nextGaussian();
      }
    }
    return matrix(m, DataType.DOUBLE);
  }

  // ---------------------------------------------------------------------------------------------
  // Values worked out by hand

  /**
   * Group 0: e0 = (1, 0), e1 = (-1, 0); group 1: e2 = (-0.96, -0.28), e3 = (0.8, -0.6); all unit vectors,
   * fed in at other lengths ((2, 0), (-0.5, 0), 5·e2, 10·e3) so that the normalisation matters.
   *
   * <pre>
   * squared distances:
   *   d01 = 2² + 0²                     = 4
   *   d02 = 1.96² + 0.28² = 3.8416 + 0.0784 = 3.92
   *   d03 = 0.2² + 0.6²   = 0.04 + 0.36     = 0.4
   *   d12 = 0.04² + 0.28² = 0.0016 + 0.0784 = 0.08
   *   d13 = 1.8² + 0.6²   = 3.24 + 0.36     = 3.6
   *   d23 = 1.76² + 0.32² = 3.0976 + 0.1024 = 3.2
   * ordered pairs (margin 0.5), negatives of the anchor's other group:
   *   (0,1): d_ap = 4;   negatives 3.92 (2), 0.4 (3): none > 4  -> farthest, n = 2: 4 - 3.92 + 0.5 = 0.58
   *   (1,0): d_ap = 4;   negatives 0.08 (2), 3.6 (3): none > 4  -> farthest, n = 3: 4 - 3.6  + 0.5 = 0.9
   *   (2,3): d_ap = 3.2; negatives 3.92 (0), 0.08 (1): semi-hard n = 0: 3.2 - 3.92 + 0.5 = -0.22 -> 0
   *   (3,2): d_ap = 3.2; negatives 0.4 (0), 3.6 (1):   semi-hard n = 1: 3.2 - 3.6  + 0.5 = 0.1
   *          (the hardest negative, 0, would give 3.3; the farthest is the same as the semi-hard here)
   * batch loss = (0.58 + 0.9 + 0 + 0.1) / 4 = 1.58 / 4 = 0.395
   * per example (N / P = 4 / 4 = 1): [0.58, 0.9, 0, 0.1], sum 1.58 = 4 × 0.395
   * </pre>
   */
  @Test
  void handComputedLoss() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = matrix(new double[][] {{2, 0}, {-0.5, 0}, {-4.8, -1.4}, {8, -6}}, DataType.DOUBLE);
    INDArray y = labels(new int[] {0, 0, 1, 1}, 2, DataType.DOUBLE);

    assertEquals(0.395, loss.computeScore(y, x, IDENTITY, null, true), 1e-12);
    assertEquals(1.58, loss.computeScore(y, x, IDENTITY, null, false), 1e-12);
    INDArray perExample = loss.computeScoreArray(y, x, IDENTITY, null);
    assertArrayEquals(new long[] {4, 1}, perExample.shape());
    assertArrayEquals(new double[] {0.58, 0.9, 0, 0.1}, perExample.data().asDouble(), 1e-12);

    List<int[]> triplets = loss.selectedTriplets(y, x, IDENTITY);
    assertEquals(4, triplets.size());
    assertArrayEquals(new int[] {0, 1, 2, 1}, triplets.get(0));
    assertArrayEquals(new int[] {1, 0, 3, 1}, triplets.get(1));
    assertArrayEquals(new int[] {2, 3, 0, 0}, triplets.get(2));
    assertArrayEquals(new int[] {3, 2, 1, 1}, triplets.get(3));

    // Another margin: (0,1) 4 - 3.92 + 1 = 1.08, (1,0) 1.4, (2,3) 3.2 - 3.92 + 1 = 0.28, (3,2) 0.6 -> 3.36 / 4.
    assertEquals(0.84, new TripletSemiHardLoss(1.0).computeScore(y, x, IDENTITY, null, true), 1e-12);
  }

  /**
   * The same four points in 3-D plus a singleton third image e4 = (0, 0, 1) at squared distance 2 from all.
   * As a negative it is never chosen: 2 is below every d_ap (4 and 3.2), so it is not semi-hard, and each
   * anchor has a farther negative (3.92 or 3.6); as an anchor it has no positive. So the four triplets and
   * the batch loss 0.395 stay; but N / P = 5 / 4, so the per-example scores are
   * [0.725, 1.125, 0, 0.125, 0] (sum 1.975 = 5 × 0.395).
   */
  @Test
  void perExampleScoresCarryNOverP() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = matrix(new double[][] {{2, 0, 0}, {-0.5, 0, 0}, {-4.8, -1.4, 0}, {8, -6, 0}, {0, 0, 3}},
        DataType.DOUBLE);
    INDArray y = labels(new int[] {0, 0, 1, 1, 2}, 3, DataType.DOUBLE);
    assertArrayEquals(new double[] {0.725, 1.125, 0, 0.125, 0},
        loss.computeScoreArray(y, x, IDENTITY, null).data().asDouble(), 1e-12);
    assertEquals(0.395, loss.computeScore(y, x, IDENTITY, null, true), 1e-12);
    assertEquals(1.975, loss.computeScore(y, x, IDENTITY, null, false), 1e-12);
  }

  // ---------------------------------------------------------------------------------------------
  // Gradients

  /** Groups of unequal size (3, 2, 1: P = 8, N / P = 0.75), so the N / P factor is checked too. */
  private static final int[] FD_GROUPS = {0, 0, 0, 1, 1, 2};
  private static final int FD_DIM = 5;

  private static double maxRelErrorAgainstFiniteDifferences(TripletSemiHardLoss loss, IActivation act, long seed) {
    INDArray x = randomMatrix(seed, FD_GROUPS.length, FD_DIM);
    INDArray y = labels(FD_GROUPS, FD_DIM, DataType.DOUBLE);
    List<int[]> triplets = loss.selectedTriplets(y, x, act);
    assertTrue(triplets.stream().filter(t -> t[3] == 1).count() >= 3,
        "seed " + seed + ": too few active triplets for a meaningful check");
    INDArray analytic = loss.computeGradient(y, x, act, null);
    assertEquals(DataType.DOUBLE, analytic.dataType());
    assertArrayEquals(x.shape(), analytic.shape());
    assertTrue(analytic.norm2Number().doubleValue() > 1e-2, "gradient " + analytic);

    double maxRel = 0;
    for (int i = 0; i < FD_GROUPS.length; i++) {
      for (int k = 0; k < FD_DIM; k++) {
        INDArray plus = x.dup();
        plus.putScalar(i, k, x.getDouble(i, k) + FD_EPS);
        INDArray minus = x.dup();
        minus.putScalar(i, k, x.getDouble(i, k) - FD_EPS);
        // The same triplets, the same hinges open, on both sides: the loss is smooth there.
        assertTripletsEqual(triplets, loss.selectedTriplets(y, plus, act), "+eps at " + i + "," + k);
        assertTripletsEqual(triplets, loss.selectedTriplets(y, minus, act), "-eps at " + i + "," + k);
        double numeric = (loss.computeScoreArray(y, plus, act, null).sumNumber().doubleValue()
            - loss.computeScoreArray(y, minus, act, null).sumNumber().doubleValue()) / (2 * FD_EPS);
        double a = analytic.getDouble(i, k);
        double scale = Math.max(Math.abs(a), Math.abs(numeric));
        // Entries that are zero both ways (examples in no open triplet) have no relative error to speak of.
        double rel = scale < 1e-8 ? 0 : Math.abs(a - numeric) / scale;
        assertTrue(rel < 1e-5, "entry " + i + "," + k + ": analytic " + a + " numeric " + numeric + " rel " + rel);
        maxRel = Math.max(maxRel, rel);
      }
    }
    return maxRel;
  }

  private static void assertTripletsEqual(List<int[]> expected, List<int[]> actual, String where) {
    assertEquals(expected.size(), actual.size(), where);
    for (int t = 0; t < expected.size(); t++) {
      assertArrayEquals(expected.get(t), actual.get(t), where + ", triplet " + t);
    }
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    double maxRel = maxRelErrorAgainstFiniteDifferences(new TripletSemiHardLoss(), IDENTITY, 42);
    System.out.println("TripletSemiHardLoss finite differences, identity: max relative error " + maxRel);
  }

  @Test
  void gradientGoesThroughTheActivationFunction() {
    // Margin 1 keeps more hinges open; tanh checks activationFn.backprop.
    double maxRel = maxRelErrorAgainstFiniteDifferences(new TripletSemiHardLoss(1.0), new ActivationTanH(), 7);
    System.out.println("TripletSemiHardLoss finite differences, tanh: max relative error " + maxRel);
  }

  @Test
  void gradientIsOrthogonalToEachEmbedding() {
    // Through the normalisation, scaling a row does not change the loss: the gradient has no radial part.
    INDArray x = randomMatrix(42, FD_GROUPS.length, FD_DIM);
    INDArray g = new TripletSemiHardLoss().computeGradient(labels(FD_GROUPS, FD_DIM, DataType.DOUBLE), x, IDENTITY,
        null);
    assertTrue(g.norm2Number().doubleValue() > 1e-3);
    for (int i = 0; i < FD_GROUPS.length; i++) {
      assertEquals(0, x.getRow(i).mul(g.getRow(i)).sumNumber().doubleValue(), 1e-12);
    }
  }

  private static ComputationGraphConfiguration tinyGraph(TripletSemiHardLoss loss, DataType type, int nIn, int dim) {
    return new NeuralNetConfiguration.Builder()
        .seed(12345)
        .dataType(type)
        .updater(new NoOp())
        .weightInit(WeightInit.XAVIER)
        .graphBuilder()
        .addInputs("in")
        .addLayer(Models.LOGITS, new DenseLayer.Builder().nIn(nIn).nOut(dim).activation(Activation.IDENTITY).build(),
            "in")
        .addLayer(Models.OUTPUT, new LossLayer.Builder().activation(Activation.IDENTITY).lossFunction(loss).build(),
            Models.LOGITS)
        .setOutputs(Models.OUTPUT)
        .build();
  }

  /** Parameters from java.util.Random: ND4J's own seeded generator does not repeat (see SeededInit). */
  private static ComputationGraph initTinyGraph(ComputationGraphConfiguration conf, long seed) {
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    Random rng = new Random(seed);
    double[] p = new double[(int) g.numParams()];
    for (int i = 0; i < p.length; i++) {
      p[i] = rng.nextGaussian() * 0.5;
    }
    g.setParams(Nd4j.create(p, new long[] {1, p.length}, 'c').castTo(g.params().dataType()));
    return g;
  }

  @Test
  void dl4jGradientCheckOnATinyGraph() {
    DataType oldType = Nd4j.dataType();
    DataType oldFloat = Nd4j.defaultFloatingPointType();
    Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    try {
      int nIn = 4;
      ComputationGraph g = initTinyGraph(tinyGraph(new TripletSemiHardLoss(), DataType.DOUBLE, nIn, FD_DIM), 3);
      INDArray x = randomMatrix(11, FD_GROUPS.length, nIn);
      INDArray y = labels(FD_GROUPS, FD_DIM, DataType.DOUBLE);

      // LossLayer's score: computeScore(average = false) / minibatch = the batch loss.
      INDArray emb = g.feedForward(x, false).get(Models.LOGITS);
      double expected = new TripletSemiHardLoss().computeScore(y, emb, IDENTITY, null, true);
      assertTrue(expected > 0.05, "seed gives a near-zero loss: " + expected);
      g.setInputs(x);
      g.setLabels(y);
      g.computeGradientAndScore();
      assertEquals(expected, g.score(), 1e-12);

      boolean ok = GradientCheckUtil.checkGradients(new GradientCheckUtil.GraphConfig()
          .net(g)
          .inputs(new INDArray[] {x})
          .labels(new INDArray[] {y})
          .epsilon(1e-6)
          .maxRelError(1e-5)
          .minAbsoluteError(1e-9)
          .print(GradientCheckUtil.PrintMode.FAILURES_ONLY)
          .exitOnFirstError(false));
      assertTrue(ok, "DL4J gradient check failed (see log)");
    } finally {
      Nd4j.setDefaultDataTypes(oldType, oldFloat);
    }
    assertEquals(oldType, Nd4j.dataType());
  }

  @Test
  void gradientAndScoreAgreeWithTheSeparateCallsAndKeepTheDataType() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = randomMatrix(5, FD_GROUPS.length, FD_DIM);
    INDArray y = labels(FD_GROUPS, FD_DIM, DataType.DOUBLE);
    for (boolean average : new boolean[] {true, false}) {
      Pair<Double, INDArray> both = loss.computeGradientAndScore(y, x, IDENTITY, null, average);
      assertEquals(loss.computeScore(y, x, IDENTITY, null, average), both.getFirst(), 0);
      assertEquals(loss.computeGradient(y, x, IDENTITY, null), both.getSecond());
    }
    double sum = loss.computeScoreArray(y, x, IDENTITY, null).sumNumber().doubleValue();
    assertEquals(sum, loss.computeScore(y, x, IDENTITY, null, false), 1e-12);
    assertEquals(sum / FD_GROUPS.length, loss.computeScore(y, x, IDENTITY, null, true), 1e-12);

    INDArray xf = x.castTo(DataType.FLOAT);
    INDArray yf = y.castTo(DataType.FLOAT);
    INDArray gf = loss.computeGradient(yf, xf, IDENTITY, null);
    INDArray sf = loss.computeScoreArray(yf, xf, IDENTITY, null);
    assertEquals(DataType.FLOAT, gf.dataType());
    assertEquals(DataType.FLOAT, sf.dataType());
    assertTrue(gf.castTo(DataType.DOUBLE).equalsWithEps(loss.computeGradient(y, x, IDENTITY, null), 1e-5));
    assertEquals(sum, sf.sumNumber().doubleValue(), 1e-4);
  }

  // ---------------------------------------------------------------------------------------------
  // Behaviour

  @Test
  void zeroWhenGroupsAreFarApartAndCopiesCoincide() {
    // Three groups on the axes (squared distance 2 after normalisation), copies identical (distance 0):
    // every pair has d_ap = 0, semi-hard d_an = 2, 0 - 2 + 0.5 < 0.
    INDArray x = matrix(new double[][] {
        {3, 0, 0}, {3, 0, 0}, {0, 2, 0}, {0, 2, 0}, {0, 2, 0}, {0, 0, 1}, {0, 0, 1}}, DataType.DOUBLE);
    INDArray y = labels(new int[] {0, 0, 1, 1, 1, 2, 2}, 3, DataType.DOUBLE);
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    assertEquals(0, loss.computeScore(y, x, IDENTITY, null, true), 0);
    assertEquals(0, loss.computeScoreArray(y, x, IDENTITY, null).amaxNumber().doubleValue(), 0);
    assertEquals(0, loss.computeGradient(y, x, IDENTITY, null).amaxNumber().doubleValue(), 0);
    // A margin beyond the gap (2) opens every hinge: 0 - 2 + 2.5 = 0.5 per pair.
    assertEquals(0.5, new TripletSemiHardLoss(2.5).computeScore(y, x, IDENTITY, null, true), 1e-12);
  }

  @Test
  void sgdOnAFreeEmbeddingLowersTheLoss() {
    int[] groups = {0, 0, 1, 1, 2, 2, 3, 3};
    int dim = 4;
    INDArray y = labels(groups, dim, DataType.DOUBLE);
    INDArray w = randomMatrix(1, groups.length, dim);
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    double first = loss.computeScore(y, w, IDENTITY, null, true);
    assertTrue(first > 0.1, "start from a batch with something to learn: " + first);
    double last = first;
    for (int step = 0; step < 10; step++) {
      // Gradient of the mean, as DL4J's updater applies it.
      w.subi(loss.computeGradient(y, w, IDENTITY, null).div(groups.length).mul(0.5));
      last = loss.computeScore(y, w, IDENTITY, null, true);
    }
    assertTrue(last < 0.5 * first, "loss " + first + " -> " + last + " after 10 SGD steps");
  }

  // ---------------------------------------------------------------------------------------------
  // Serialisation

  @Test
  void jsonRoundTripOfAGraphConfiguration() {
    ComputationGraphConfiguration conf = tinyGraph(new TripletSemiHardLoss(0.3), DataType.FLOAT, 4, 5);
    String json = conf.toJson();
    assertTrue(json.contains(TripletSemiHardLoss.class.getName()), json);
    assertTrue(json.contains("\"margin\" : 0.3"), json);
    ComputationGraphConfiguration back = ComputationGraphConfiguration.fromJson(json);
    assertEquals(conf, back);
    assertEquals(new TripletSemiHardLoss(0.3), lossOf(back));
    assertEquals(0.3, ((TripletSemiHardLoss) lossOf(back)).getMargin(), 0);
    // the margin matters to equality
    assertNotEquals(conf, ComputationGraphConfiguration.fromJson(json.replace("\"margin\" : 0.3", "\"margin\" : 0.4")));
    // and the default one survives too
    assertEquals(new TripletSemiHardLoss(), lossOf(ComputationGraphConfiguration.fromJson(
        tinyGraph(new TripletSemiHardLoss(), DataType.FLOAT, 4, 5).toJson())));
  }

  private static ILossFunction lossOf(ComputationGraphConfiguration conf) {
    return ((LossLayer) ((LayerVertex) conf.getVertices().get(Models.OUTPUT)).getLayerConf().getLayer()).getLossFn();
  }

  @Test
  void modelSerializerKeepsTheLossAndItsMargin() throws Exception {
    ComputationGraph g = initTinyGraph(tinyGraph(new TripletSemiHardLoss(0.3), DataType.FLOAT, 4, 5), 9);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    ModelSerializer.writeModel(g, bytes, true);
    ComputationGraph back = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(bytes.toByteArray()),
        true);
    LossLayer layer = (LossLayer) back.getLayer(Models.OUTPUT).conf().getLayer();
    assertEquals(TripletSemiHardLoss.class, layer.getLossFn().getClass());
    assertEquals(0.3, ((TripletSemiHardLoss) layer.getLossFn()).getMargin(), 0);
    assertEquals(g.getConfiguration(), back.getConfiguration());
    assertEquals(g.params(), back.params());

    // The restored graph scores a batch as the original does.
    INDArray x = randomMatrix(2, FD_GROUPS.length, 4).castTo(DataType.FLOAT);
    INDArray y = labels(FD_GROUPS, 5, DataType.FLOAT);
    g.setInputs(x);
    g.setLabels(y);
    g.computeGradientAndScore();
    back.setInputs(x);
    back.setLabels(y);
    back.computeGradientAndScore();
    assertTrue(g.score() > 0);
    assertEquals(g.score(), back.score(), 0);
  }

  @Test
  void equalityHashAndName() {
    assertEquals(new TripletSemiHardLoss(), new TripletSemiHardLoss(0.5));
    assertEquals(new TripletSemiHardLoss().hashCode(), new TripletSemiHardLoss(0.5).hashCode());
    assertNotEquals(new TripletSemiHardLoss(0.5), new TripletSemiHardLoss(0.2));
    assertEquals(0.5, new TripletSemiHardLoss().getMargin(), 0);
    assertEquals("TripletSemiHardLoss(margin=0.2)", new TripletSemiHardLoss(0.2).toString());
    assertEquals(new TripletSemiHardLoss(0.2).toString(), new TripletSemiHardLoss(0.2).name());
  }

  // ---------------------------------------------------------------------------------------------
  // Bad input

  @Test
  void labelRowThatIsNotOneHotIsNamed() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = randomMatrix(3, 4, 3);
    double[][][] bad = {
        {{1, 0, 0}, {1, 0, 0}, {0, 0.5, 0.5}, {0, 1, 0}}, // soft row
        {{1, 0, 0}, {1, 0, 0}, {0, 1, 1}, {0, 1, 0}}, // two hot entries
        {{1, 0, 0}, {1, 0, 0}, {0, 0, 0}, {0, 1, 0}}, // none
        {{1, 0, 0}, {1, 0, 0}, {0, 2, 0}, {0, 1, 0}}, // not 1
    };
    for (double[][] rows : bad) {
      INDArray y = matrix(rows, DataType.DOUBLE);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> loss.computeScore(y, x, IDENTITY, null, true));
      assertTrue(e.getMessage().contains("label row 2 is not one-hot"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> loss.computeGradient(y, x, IDENTITY, null));
    }
  }

  @Test
  void batchWithoutPairsOrWithOneGroupIsRejected() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = randomMatrix(3, 4, 4);
    int[][] bad = {
        {0, 1, 2, 3}, // every image once: no positive pair
        {2, 2, 2, 2}, // one image: no negative
    };
    for (int[] groups : bad) {
      INDArray y = labels(groups, 4, DataType.DOUBLE);
      for (Executable call : new Executable[] {
          () -> loss.computeScore(y, x, IDENTITY, null, true),
          () -> loss.computeScoreArray(y, x, IDENTITY, null),
          () -> loss.computeGradient(y, x, IDENTITY, null),
          () -> loss.computeGradientAndScore(y, x, IDENTITY, null, true)}) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains("each image needs >= 2 copies and the batch >= 2 images"), e.getMessage());
      }
    }
    // One image twice plus a singleton is fine: one group of pairs, the singleton a negative.
    assertTrue(loss.computeScore(labels(new int[] {0, 0, 1}, 4, DataType.DOUBLE), randomMatrix(3, 3, 4), IDENTITY,
        null, true) >= 0);
  }

  @Test
  void masksAreNotSupported() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = randomMatrix(3, 4, 3);
    INDArray y = labels(new int[] {0, 0, 1, 1}, 3, DataType.DOUBLE);
    INDArray mask = Nd4j.ones(DataType.DOUBLE, 4, 1);
    assertThrows(UnsupportedOperationException.class, () -> loss.computeScore(y, x, IDENTITY, mask, true));
    assertThrows(UnsupportedOperationException.class, () -> loss.computeScoreArray(y, x, IDENTITY, mask));
    assertThrows(UnsupportedOperationException.class, () -> loss.computeGradient(y, x, IDENTITY, mask));
    assertThrows(UnsupportedOperationException.class, () -> loss.computeGradientAndScore(y, x, IDENTITY, mask, true));
  }

  @Test
  void otherBadArguments() {
    TripletSemiHardLoss loss = new TripletSemiHardLoss();
    INDArray x = randomMatrix(3, 4, 3);
    INDArray wrongShape = labels(new int[] {0, 0, 1, 1}, 4, DataType.DOUBLE);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> loss.computeScore(wrongShape, x, IDENTITY, null, true));
    assertTrue(e.getMessage().contains("equal shapes"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new TripletSemiHardLoss(-0.1));
    assertThrows(IllegalArgumentException.class, () -> new TripletSemiHardLoss(Double.NaN));
  }
}
