package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.TestSpark;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;

/**
 * Parameter averaging in one barrier stage against the same averaging done by hand on two local
 * networks (no Spark, no serialisation): the same parameters, momentum and loss.
 */
class BarrierAveragingTest {
  private static ComputationGraph network() {
    TrainConfig cfg = new TrainConfig();
    return Models.classifier(Optimisation.base(cfg, 0.05), TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
  }

  /** Σ_j k_j x_j / Σ_j k_j of the networks' arrays, set into every network. */
  private static void averageByHand(ComputationGraph[] nets, int[] trained) {
    int total = 0;
    for (int k : trained) {
      total += k;
    }
    INDArray p = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE, nets[0].params().length());
    INDArray s = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.DOUBLE,
        nets[0].getUpdater().getStateViewArray().length());
    for (int j = 0; j < nets.length; j++) {
      p.addi(nets[j].params().castTo(p.dataType()).reshape(p.length()).mul(trained[j]));
      s.addi(nets[j].getUpdater().getStateViewArray().castTo(s.dataType()).reshape(s.length()).mul(trained[j]));
    }
    p.divi(total);
    s.divi(total);
    for (ComputationGraph n : nets) {
      n.params().assign(p.castTo(n.params().dataType()).reshape(n.params().shape()));
      n.getUpdater().getStateViewArray().assign(s.castTo(n.params().dataType())
          .reshape(n.getUpdater().getStateViewArray().shape()));
    }
  }

  @Test
  void twoWorkersOfUnequalPartitionsAverageAsByHand() throws Exception {
    Nd4jSetup.configure();
    SparkSession spark = TestSpark.get();
    // parallelize cuts 7 minibatches into [0, 3) and [3, 7); averaging every 2: rounds of (2, 2), then (1, 2)
    List<DataSet> minibatches = OneWorkerAveragingTest.minibatches(9, 7);
    ComputationGraph[] byHand = {network(), network()};
    int[][] slices = {{0, 3}, {3, 7}};
    double[] last = new double[2];
    for (int r = 0; r < 2; r++) {
      int[] trained = new int[2];
      for (int j = 0; j < 2; j++) {
        for (int i = slices[j][0] + 2 * r; i < Math.min(slices[j][0] + 2 * r + 2, slices[j][1]); i++) {
          byHand[j].fit(minibatches.get(i));
          last[j] = byHand[j].score();
          trained[j]++;
        }
      }
      averageByHand(byHand, trained);
    }
    ComputationGraph alone = network();
    for (int i = 3; i < 7; i++) {
      alone.fit(minibatches.get(i));
    }

    AtomicInteger jobs = new AtomicInteger();
    SparkListener count = new SparkListener() {
      @Override
      public void onJobStart(SparkListenerJobStart start) {
        jobs.incrementAndGet();
      }
    };
    spark.sparkContext().addSparkListener(count);
    BarrierAveraging.Outcome out;
    ComputationGraph trained = network();
    try {
      JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      out = BarrierAveraging.fit(sc, trained, sc.parallelize(minibatches, 2), 2, null, "unequal");
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.sparkContext().removeSparkListener(count);
      ResidentNetworks.take("unequal");
    }

    assertEquals(1, jobs.get(), "Spark jobs for the chunk");
    assertEquals(2, out.rounds);
    assertNotEquals(network().params(), trained.params(), "the fit trained");
    assertNotEquals(alone.params(), trained.params(), "the second worker's own training is not the result");
    assertEquals(byHand[0].params(), trained.params());
    assertEquals(byHand[0].getUpdater().getStateViewArray(), trained.getUpdater().getStateViewArray());
    assertEquals((last[0] + last[1]) / 2, out.loss, 1e-5);
    assertEquals(3, trained.getConfiguration().getIterationCount(), "worker 0's three minibatches");
    assertEquals(0, out.resumed, "no executor kept a network of version null");
  }

  /**
   * A second chunk whose workers resume the networks their executors kept ends exactly where the same
   * chunk ends when they restore the driver's network, across a learning-rate change between the chunks.
   */
  @Test
  void workersResumingTheirKeptNetworksTrainAsFromTheDriversNetwork() {
    Nd4jSetup.configure();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    List<DataSet> minibatches = OneWorkerAveragingTest.minibatches(5, 8);
    List<DataSet> first = minibatches.subList(0, 4);
    List<DataSet> second = minibatches.subList(4, 8);
    ComputationGraph resumed = network();
    ComputationGraph restored = network();
    try {
      BarrierAveraging.fit(sc, resumed, sc.parallelize(first, 2), 1, null, "resumed-1");
      BarrierAveraging.fit(sc, restored, sc.parallelize(first, 2), 1, null, "restored-1");
      assertEquals(restored.params(), resumed.params(), "the first chunk repeats exactly");
      resumed.setLearningRate(0.02);
      restored.setLearningRate(0.02);
      BarrierAveraging.Outcome a = BarrierAveraging.fit(sc, resumed, sc.parallelize(second, 2), 1, "resumed-1", "resumed-2");
      BarrierAveraging.Outcome b = BarrierAveraging.fit(sc, restored, sc.parallelize(second, 2), 1, null, "restored-2");
      assertEquals(2, a.resumed, "both workers of the second chunk resumed their executor's network");
      assertEquals(0, b.resumed);
      assertEquals(restored.params(), resumed.params());
      assertEquals(restored.getUpdater().getStateViewArray(), resumed.getUpdater().getStateViewArray());
      assertEquals(4, resumed.getConfiguration().getIterationCount(), "two minibatches a worker, twice");
      assertEquals(b.loss, a.loss, 0.0);
      // a stale version resumes nothing: the workers restore the driver's network
      BarrierAveraging.Outcome stale = BarrierAveraging.fit(sc, network(), sc.parallelize(second, 2), 1, "resumed-1", "x");
      assertEquals(0, stale.resumed);
    } finally {
      for (String v : new String[] {"resumed-1", "restored-1", "resumed-2", "restored-2", "x"}) {
        while (ResidentNetworks.take(v) != null) {
          // drop what this test kept
        }
      }
    }
  }

  /**
   * Workers that keep their network for the next chunk keep their training threads' workspaces too,
   * and the next chunk's workers train on those threads; a chunk that keeps nothing (a run's last)
   * frees them, so that the chunk after it starts on threads without any.
   */
  @Test
  void workersKeepTheirThreadsWorkspacesOnlyWhileTheyKeepTheirNetwork() {
    Nd4jSetup.configure();
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    List<DataSet> minibatches = OneWorkerAveragingTest.minibatches(6, 4);
    ComputationGraph net = network();
    try {
      BarrierAveraging.fit(sc, net, sc.parallelize(minibatches, 2), 1, null, "warm-1");
      BarrierAveraging.Outcome last = BarrierAveraging.fit(sc, net, sc.parallelize(minibatches, 2), 1, "warm-1", null);
      assertEquals(2, last.resumed);
      assertEquals(2, last.warmThreads, "both workers trained on a thread that still held the chunk before's workspaces");
      assertEquals(0, ResidentNetworks.size(), "a chunk with nothing to keep leaves no network");
      BarrierAveraging.Outcome after = BarrierAveraging.fit(sc, network(), sc.parallelize(minibatches, 2), 1, null, null);
      assertEquals(0, after.warmThreads, "the chunk before freed its threads' workspaces");
    } finally {
      while (ResidentNetworks.take("warm-1") != null) {
        // drop what this test kept
      }
    }
  }

  @Test
  void theHubWeighsByMinibatchesAndServesTheNewestAttempt() throws Exception {
    try (AveragingHub hub = AveragingHub.start(2, 2, () -> new byte[0])) {
      // a first attempt's worker 0 connects, then the stage is re-run: attempt 1 replaces it
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
      try {
        java.util.concurrent.Future<AveragingHub.Link> stale =
            pool.submit(() -> AveragingHub.Link.connect("127.0.0.1", hub.port(), 0, 0, 3, false));
        Thread.sleep(200);
        java.util.concurrent.Future<float[][]> w0 = pool.submit(() -> {
          try (AveragingHub.Link l = AveragingHub.Link.connect("127.0.0.1", hub.port(), 1, 0, 3, false)) {
            assertEquals(2, l.rounds(), "3 and 4 minibatches, averaging every 2");
            assertEquals(2, l.frequency());
            l.average(2, 1.0, 0.5, floats(1, 2), floats(10));
            INDArray params = floats(1, 2);
            INDArray state = floats(10);
            l.average(1, 0.5, 0.25, params, state);
            assertArrayEquals(new double[] {0.25, 0.75}, l.scores(), 0.0);
            return new float[][] {params.toFloatVector(), state.toFloatVector()};
          }
        });
        try (AveragingHub.Link l = AveragingHub.Link.connect("127.0.0.1", hub.port(), 1, 1, 4, false)) {
          INDArray params = floats(3, 4);
          INDArray state = floats(20);
          l.average(2, 2.0, 1.5, params, state);
          assertArrayEquals(new float[] {2, 3}, params.toFloatVector(), 0f, "equal weights: the plain mean, in place");
          assertArrayEquals(new float[] {15}, state.toFloatVector(), 0f);
          // a view into a larger array: the average lands in the view's own elements, the rest untouched
          INDArray whole = floats(-1, 5, 10, -1);
          INDArray view = whole.get(NDArrayIndex.interval(1, 3));
          l.average(3, 3.0, 0.75, view, floats(30));
          // (1·1 + 3·5) / 4 = 4, (1·2 + 3·10) / 4 = 8, (1·10 + 3·30) / 4 = 25
          assertArrayEquals(new float[] {-1, 4, 8, -1}, whole.toFloatVector(), 0f);
          assertArrayEquals(new float[] {4, 8}, w0.get()[0], 0f, "both workers continue from the same average");
          assertArrayEquals(new float[] {25}, w0.get()[1], 0f);
        }
        java.util.concurrent.ExecutionException refused =
            org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, stale::get);
        assertTrue(refused.getCause() instanceof java.io.IOException, refused.toString());
      } finally {
        pool.shutdownNow();
      }
      hub.rethrow();
      hub.close(); // waits for the hub's thread, which records the timing after the last average is sent
      AveragingHub.Timing timing = hub.timing();
      assertEquals(2, timing.rounds);
      assertArrayEquals(new double[] {1.5, 5.0}, timing.training, 0.0, "each worker's seconds, summed over rounds");
      assertTrue(timing.span > 0, "the rounds' span " + timing.span);
      assertTrue(timing.toString().startsWith("2 rounds in ") && timing.toString().contains("training 1.5 s and 5.0 s"),
          timing.toString());
    }
  }

  @Test
  void theHubSerialisesTheNetworkOnceAndOnlyForTheWorkersThatAsk() throws Exception {
    AtomicInteger serialised = new AtomicInteger();
    byte[] network = {7, 1, 2, 3};
    try (AveragingHub hub = AveragingHub.start(3, 1, () -> {
      serialised.incrementAndGet();
      return network.clone();
    })) {
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(3);
      try {
        List<java.util.concurrent.Future<byte[]>> received = new java.util.ArrayList<>();
        for (int w = 0; w < 3; w++) {
          int partition = w;
          received.add(pool.submit(() -> {
            // workers 0 and 2 have no network of their own; worker 1 resumes one
            try (AveragingHub.Link l = AveragingHub.Link.connect("127.0.0.1", hub.port(), 0, partition, 1,
                partition != 1)) {
              l.average(1, 0.1, 0.5, floats(partition), null);
              byte[] taken = l.takeNetwork();
              assertEquals(null, l.takeNetwork(), "handed over once");
              return taken;
            }
          }));
        }
        assertArrayEquals(network, received.get(0).get());
        assertEquals(null, received.get(1).get(), "a worker that did not ask gets no network");
        assertArrayEquals(network, received.get(2).get());
      } finally {
        pool.shutdownNow();
      }
      hub.rethrow();
      assertEquals(1, serialised.get(), "serialised once for both workers that asked");
    }
    try (AveragingHub hub = AveragingHub.start(1, 1, () -> {
      serialised.incrementAndGet();
      return network;
    })) {
      try (AveragingHub.Link l = AveragingHub.Link.connect("127.0.0.1", hub.port(), 0, 0, 1, false)) {
        l.average(1, 0.1, 0.5, floats(1), floats());
      }
      hub.rethrow();
      assertEquals(1, serialised.get(), "not serialised where every worker resumes its own");
    }
  }

  @Test
  void onlyFloatNetworksAverageThroughTheHub() {
    org.apache.spark.SparkContext sc = TestSpark.get().sparkContext();
    ComputationGraph net = network();
    assertEquals(null, BarrierAveraging.unusableBecause(net, 2, sc));
    String why = BarrierAveraging.unusableBecause(net.convertDataType(DataType.DOUBLE), 2, sc);
    assertTrue(why != null && why.contains("float parameters and updater state, not DOUBLE"), why);
  }

  @Test
  void aHubThatCannotAverageSaysWhy() throws Exception {
    AveragingHub hub = AveragingHub.start(2, 1, () -> new byte[0]);
    java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
    try {
      java.util.List<java.util.concurrent.Future<Object>> sent = new java.util.ArrayList<>();
      for (int w = 0; w < 2; w++) {
        INDArray params = Nd4j.zeros(DataType.FLOAT, w + 1); // worker 1 sends one parameter more than worker 0
        int partition = w;
        sent.add(pool.submit(() -> {
          try (AveragingHub.Link l = AveragingHub.Link.connect("127.0.0.1", hub.port(), 0, partition, 1, false)) {
            l.average(1, 0.1, 0.5, params, null);
            return params;
          }
        }));
      }
      for (java.util.concurrent.Future<Object> f : sent) {
        java.util.concurrent.ExecutionException lost =
            org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class, f::get);
        assertTrue(lost.getCause() instanceof java.io.IOException, lost.toString());
      }
      IllegalStateException why = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, hub::rethrow);
      assertTrue(why.getMessage().contains("worker 1 sent 2 parameters"), why.getMessage());
    } finally {
      pool.shutdownNow();
      hub.close();
    }
  }

  private static INDArray floats(float... values) {
    return Nd4j.createFromArray(values);
  }
}
