package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.TestSpark;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.RecordImages;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.ImageBatch;

/** A tiny hand-built graph run on the executors, checked against feedForward on the driver. */
class FeatureExtractorTest {
  static final String SPEC = "decode(1)|value_range(-1,1)";
  static final List<String> ENDPOINTS = List.of("conv", "gap");

  static SparkSession spark;
  static ComputationGraph model;
  static Dataset<Row> val;
  /** The val rows sorted by file, record, and the driver's activations for them. */
  static List<Row> rows;
  static Map<String, INDArray> expected;

  @BeforeAll
  static void setUp() {
    spark = TestSpark.get();
    model = tinyGraph();
    val = Sample.split(spark, DatasetLayout.VAL).cache();
    rows = val.orderBy("file", "record").collectAsList();
    Preprocessing p = Preprocessing.parse(SPEC);
    List<Image> images = new ArrayList<>();
    for (Row r : rows) {
      images.add(RecordImages.apply(p, r, FeatureColumns.EVAL_SEED));
    }
    expected = model.feedForward(ImageBatch.toNchw(images), false);
  }

  /** input 1×28×28 → conv 3×3 (4 channels, same) → batch norm → global average pool → dense 8. */
  static ComputationGraph tinyGraph() {
    ComputationGraphConfiguration conf = new NeuralNetConfiguration.Builder()
        .seed(42)
        .graphBuilder()
        .addInputs("input")
        .setInputTypes(InputType.convolutional(28, 28, 1))
        .addLayer("conv", new ConvolutionLayer.Builder(3, 3).nOut(4).convolutionMode(ConvolutionMode.Same)
            .activation(Activation.RELU).build(), "input")
        .addLayer("bn", new BatchNormalization.Builder().build(), "conv")
        .addLayer("gap", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "bn")
        .addLayer("dense", new DenseLayer.Builder().nOut(8).activation(Activation.TANH).build(), "gap")
        .setOutputs("dense")
        .build();
    ComputationGraph g = new ComputationGraph(conf);
    g.init();
    // running statistics unlike any batch's, so training-mode batch norm would give other values
    g.getLayer("bn").setParam("mean", Nd4j.createFromArray(0.5f, -0.2f, 0.1f, 0.3f).reshape(1, 4));
    g.getLayer("bn").setParam("log10stdev", Nd4j.createFromArray(0.15f, -0.15f, 0.1f, 0.25f).reshape(1, 4));
    return g;
  }

  static List<Row> extractSorted(FeatureExtractor x) {
    return x.extract(val).orderBy("file", "record").collectAsList();
  }

  static double[] row(INDArray a, int i) {
    return a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).dup('c').castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE)
        .data().asDouble();
  }

  static void assertSameRows(List<Row> got) {
    assertEquals(rows.size(), got.size());
    for (int i = 0; i < rows.size(); i++) {
      assertEquals(rows.get(i).<String>getAs("file"), got.get(i).<String>getAs("file"));
      assertEquals(rows.get(i).<Long>getAs("record"), got.get(i).<Long>getAs("record"));
      assertEquals(rows.get(i).<Integer>getAs("label"), got.get(i).<Integer>getAs("label"));
    }
  }

  @Test
  void featuresEqualADriverSideForwardPass() {
    FeatureExtractor x = FeatureExtractor.create(spark, model, null, ENDPOINTS, SPEC, 32,
        FeatureExtractor.DEFAULT_MAX_FEATURES);
    List<Row> got = extractSorted(x);
    assertSameRows(got);
    assertEquals(List.of("label", "file", "record", "conv", "gap"), List.of(got.get(0).schema().fieldNames()));
    for (int i = 0; i < got.size(); i++) {
      Vector conv = got.get(i).getAs("conv");
      Vector gap = got.get(i).getAs("gap");
      assertEquals(4 * 28 * 28, conv.size());
      assertEquals(4, gap.size());
      assertArrayEquals(row(expected.get("conv"), i), conv.toArray(), 1e-5, "conv of row " + i);
      assertArrayEquals(row(expected.get("gap"), i), gap.toArray(), 1e-5, "gap of row " + i);
    }
  }

  @Test
  void largeMapsAreMaxPooledDownToTheBudget() {
    FeatureExtractor x = FeatureExtractor.create(spark, model, Map.of("block1", "conv", "pre_logits", "dense"),
        List.of("block1", "pre_logits"), SPEC, 64, 1000);
    List<Row> got = extractSorted(x);
    assertSameRows(got);
    // window 2: [N,4,28,28] → [N,4,14,2,14,2] → max over the two window axes
    INDArray pooled = expected.get("conv").reshape('c', rows.size(), 4, 14, 2, 14, 2).max(3, 5);
    for (int i = 0; i < got.size(); i++) {
      Vector block1 = got.get(i).getAs("block1");
      Vector preLogits = got.get(i).getAs("pre_logits");
      assertEquals(4 * 14 * 14, block1.size());
      assertEquals(8, preLogits.size());
      assertArrayEquals(row(pooled, i), block1.toArray(), 1e-5, "pooled conv of row " + i);
      assertArrayEquals(row(expected.get("dense"), i), preLogits.toArray(), 1e-5, "dense of row " + i);
    }
  }

  @Test
  void moreChannelsThanTheBudgetMeansAGlobalMaxPool() {
    FeatureExtractor x = FeatureExtractor.create(spark, model, null, List.of("conv"), SPEC, 128, 3);
    List<Row> got = extractSorted(x);
    INDArray global = expected.get("conv").max(2, 3);
    for (int i = 0; i < got.size(); i++) {
      Vector conv = got.get(i).getAs("conv");
      assertArrayEquals(row(global, i), conv.toArray(), 1e-5, "global max of row " + i);
    }
  }

  @Test
  void theModelIsRestoredOncePerConcurrentTaskAndReused() {
    FeatureExtractor x = FeatureExtractor.create(spark, model, null, List.of("gap"), SPEC, 16,
        FeatureExtractor.DEFAULT_MAX_FEATURES);
    int before = BroadcastGraph.restores();
    Dataset<Row> train = Sample.split(spark, DatasetLayout.TRAIN);
    assertEquals(3, train.rdd().getNumPartitions());
    assertEquals(750, x.extract(train).count()); // 3 tasks, 2 at a time, 47 batches
    assertEquals(250, x.extract(val).count());
    // one copy per task running at the same time (local[2]), reused by every later batch and task
    int restored = BroadcastGraph.restores() - before;
    assertTrue(restored >= 1 && restored <= 2, "restored " + restored + " copies");
  }

  @Test
  void extractionTasksLeaveTheirThreadsAtTheEnvironmentsThreads() {
    // Spark reuses task threads: a training task after an extraction must not inherit its share
    FeatureExtractor x = FeatureExtractor.create(spark, model, null, List.of("gap"), SPEC, 16,
        FeatureExtractor.DEFAULT_MAX_FEATURES);
    Dataset<Row> train = Sample.split(spark, DatasetLayout.TRAIN);
    assertEquals(750, x.extract(train).count());
    int all = Nd4jSetup.ompThreads();
    List<Integer> seen = train.javaRDD().repartition(8).mapPartitions(
        (FlatMapFunction<Iterator<Row>, Integer>) rows -> List.of(Nd4jSetup.currentOmpThreads()).iterator()).collect();
    assertEquals(8, seen.size());
    for (int t : seen) {
      assertEquals(all, t, "a task thread's OpenMP threads after extraction: " + seen);
    }
  }

  @Test
  void anUnknownEndpointIsNamedWithTheValidOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.create(spark,
        model, Map.of("block1", "conv", "pre_logits", "dense"), List.of("block1", "block9"), SPEC, 8, 9000));
    assertTrue(e.getMessage().contains("'block9'"), e.getMessage());
    assertTrue(e.getMessage().contains("block1, pre_logits"), e.getMessage());
  }

  @Test
  void anEndpointOnAMissingVertexIsNamed() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.create(spark,
        model, Map.of("block1", "conv1"), List.of("block1"), SPEC, 8, 9000));
    assertTrue(e.getMessage().contains("'conv1'") && e.getMessage().contains("conv, dense, gap"), e.getMessage());
  }

  @Test
  void reservedColumnNamesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> FeatureExtractor.create(spark,
        model, Map.of("label", "gap"), List.of("label"), SPEC, 8, 9000));
  }
}
