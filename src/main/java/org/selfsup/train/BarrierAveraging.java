package org.selfsup.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.runtime.Nd4jSetup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.collection.JavaConverters;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction1;

/**
 * Parameter averaging of one chunk in a single Spark job: a barrier stage (so that Spark starts the
 * workers' tasks together) whose tasks, one per worker on the chunk's partitions, each train their
 * minibatches and, every {@code frequency} of them, send their parameters and updater state to an
 * {@link AveragingHub} on the driver over a TCP connection of their own, and continue from the
 * average it sends back. DL4J's master runs a Spark job per averaging round instead (broadcast,
 * task launch, network restore, parameters collected on the driver); on the quickstart trunk that
 * fixed cost was about a third of a round of 10 minibatches (docs/results.md, parameter
 * averaging). Spark's own exchange between barrier tasks ({@code BarrierTaskContext.allGather})
 * polls for the answer once a second, which costs more than a round's training.
 *
 * <p>The average weighs each worker by the minibatches it trained in the round (equal weights
 * when the partitions are equal, as DL4J's), sums in partition order in double precision, and
 * every worker continues from the same average: a run repeats exactly.
 */
final class BarrierAveraging {
  private static final Logger LOG = LoggerFactory.getLogger(BarrierAveraging.class);
  /**
   * Most parameters plus updater values averaged on the driver (whose hub holds a sum in double and
   * one worker's values at a time): 512 MB of sums. Bigger networks stay on DL4J's master.
   */
  static final long MAX_VALUES = 64L << 20;

  private BarrierAveraging() {}

  /** What a chunk's training returns: the trained network (from worker 0; all end equal) and its loss. */
  static final class Outcome implements Serializable {
    private static final long serialVersionUID = 1L;
    final byte[] network;
    /** Mean over the workers of the loss of each one's last minibatch (DL4J's master reports the same). */
    final double loss;
    /** Averaging rounds run. */
    final int rounds;

    Outcome(byte[] network, double loss, int rounds) {
      this.network = network;
      this.loss = loss;
      this.rounds = rounds;
    }

    ComputationGraph restore() {
      try {
        return ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(network), true);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot restore the trained network: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Why the chunks of {@code workers} workers cannot train in a barrier stage here, or null when they
   * can: Spark refuses barrier stages under dynamic allocation and with more tasks than task slots,
   * and the driver's hub sums at most {@link #MAX_VALUES} values.
   */
  static String unusableBecause(ComputationGraph net, int workers, SparkContext sc) {
    SparkConf conf = sc.getConf();
    if (conf.getBoolean("spark.dynamicAllocation.enabled", false) && !sc.isLocal()) {
      return "Spark runs no barrier stage under dynamic allocation (spark.dynamicAllocation.enabled)";
    }
    if (workers > sc.defaultParallelism()) {
      return workers + " workers, more than the " + sc.defaultParallelism() + " task slots a barrier stage can hold";
    }
    long values = net.numParams() + (net.getUpdater() != null && net.getUpdater().getStateViewArray() != null
        ? net.getUpdater().getStateViewArray().length() : net.numParams());
    if (values > MAX_VALUES) {
      return values + " parameters and updater values, more than the " + MAX_VALUES + " the driver's hub averages";
    }
    return null;
  }

  /**
   * Trains {@code net} (unchanged) on {@code batches}, one barrier task per partition, averaging every
   * {@code frequency} minibatches of each task.
   */
  static Outcome fit(JavaSparkContext sc, ComputationGraph net, JavaRDD<DataSet> batches, int frequency) {
    if (frequency <= 0) {
      throw new IllegalArgumentException("averaging frequency must be positive, got " + frequency);
    }
    Broadcast<byte[]> start = sc.broadcast(serialize(net));
    try (AveragingHub hub = AveragingHub.start(batches.getNumPartitions(), frequency)) {
      String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
      ClassTag<Outcome> tag = ClassTag$.MODULE$.apply(Outcome.class);
      List<Outcome> out;
      try {
        out = batches.rdd().barrier()
            .mapPartitions(new Worker(start, host, hub.port()), false, tag).toJavaRDD().collect();
      } catch (RuntimeException e) {
        hub.rethrow(); // the hub's own failure, which the workers only saw as a lost connection
        throw e;
      }
      hub.rethrow();
      if (out.size() != 1) {
        throw new IllegalStateException("expected the trained network from worker 0, got " + out.size());
      }
      LOG.info("parameter averaging: {}", hub.timing());
      return out.get(0);
    } finally {
      start.destroy();
    }
  }

  static byte[] serialize(ComputationGraph net) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ModelSerializer.writeModel(net, out, true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot serialise the network: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  /** One worker's training of its partition, on the executor. */
  private static final class Worker
      extends AbstractFunction1<scala.collection.Iterator<DataSet>, scala.collection.Iterator<Outcome>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Broadcast<byte[]> start;
    private final String hubHost;
    private final int hubPort;

    Worker(Broadcast<byte[]> start, String hubHost, int hubPort) {
      this.start = start;
      this.hubHost = hubHost;
      this.hubPort = hubPort;
    }

    @Override
    public scala.collection.Iterator<Outcome> apply(scala.collection.Iterator<DataSet> partition) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      Nd4jSetup.configure();
      List<DataSet> mine = new ArrayList<>();
      while (partition.hasNext()) {
        mine.add(partition.next());
      }
      Outcome outcome;
      try (AveragingHub.Link hub = AveragingHub.Link.connect(hubHost, hubPort, ctx.stageAttemptNumber(),
          ctx.partitionId(), mine.size())) {
        outcome = train(ctx.partitionId(), hub, mine);
      } catch (IOException e) {
        throw new UncheckedIOException("worker " + ctx.partitionId() + ": averaging hub " + hubHost + ":" + hubPort
            + ": " + e.getMessage(), e);
      } finally {
        WorkspaceRelease.release();
      }
      List<Outcome> out = outcome == null ? Collections.emptyList() : Collections.singletonList(outcome);
      return JavaConverters.asScalaIteratorConverter(out.iterator()).asScala();
    }

    private Outcome train(int worker, AveragingHub.Link hub, List<DataSet> mine) throws IOException {
      ComputationGraph net;
      try {
        net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(start.value()), true);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot restore the network to train: " + e.getMessage(), e);
      }
      INDArray params = net.params();
      INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
      int frequency = hub.frequency();
      int rounds = hub.rounds();
      double lastScore = Double.NaN;
      double[] scores = new double[0];
      for (int r = 0; r < rounds; r++) {
        int from = Math.min(r * frequency, mine.size());
        int to = Math.min(from + frequency, mine.size());
        long started = System.nanoTime();
        for (int i = from; i < to; i++) {
          net.fit(mine.get(i));
          lastScore = net.score();
        }
        float[][] average = hub.average(to - from, (System.nanoTime() - started) / 1e9, lastScore, params.toFloatVector(),
            state == null ? new float[0] : state.toFloatVector());
        params.assign(Nd4j.createFromArray(average[0]).reshape(params.shape()).castTo(params.dataType()));
        if (state != null && state.length() > 0) {
          state.assign(Nd4j.createFromArray(average[1]).reshape(state.shape()).castTo(state.dataType()));
        }
        scores = hub.scores();
      }
      if (worker != 0) {
        return null;
      }
      double sum = 0;
      int n = 0;
      for (double s : scores) {
        if (!Double.isNaN(s)) {
          sum += s;
          n++;
        }
      }
      return new Outcome(serialize(net), n == 0 ? Double.NaN : sum / n, rounds);
    }
  }
}
