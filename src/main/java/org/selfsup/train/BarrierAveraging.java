package org.selfsup.train;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
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
 * every worker continues from the same average: a run repeats exactly. The chunk's result is the
 * last average, which the driver's hub holds: the driver writes it into its network, and each
 * worker leaves its own network, equal to it, on its executor for the next chunk
 * ({@link ResidentNetworks}). Neither the trained network nor the next chunk's start is serialised
 * and restored then, except where an executor has none to resume (the first chunk, a new
 * executor, a retried stage): its workers ask the hub for the driver's network, which the driver
 * then serialises, once a chunk. Workers train on {@link TrainingThreads}, whose threads keep their
 * DL4J workspaces from one chunk to the next while the executor keeps the network.
 */
final class BarrierAveraging {
  private static final Logger LOG = LoggerFactory.getLogger(BarrierAveraging.class);
  /**
   * Most parameters plus updater values averaged on the driver (whose hub holds a sum in double and
   * one worker's values at a time): 512 MB of sums. Bigger networks stay on DL4J's master.
   */
  static final long MAX_VALUES = 64L << 20;

  private BarrierAveraging() {}

  /** What a chunk's training returns, beside the trained parameters written into the driver's network. */
  static final class Outcome {
    /** Mean over the workers of the loss of each one's last minibatch (DL4J's master reports the same). */
    final double loss;
    /** Averaging rounds run. */
    final int rounds;
    /** Workers that resumed the network their executor kept from the chunk before. */
    final int resumed;
    /** Workers whose training thread held the workspaces a worker before them left. */
    final int warmThreads;

    Outcome(double loss, int rounds, int resumed, int warmThreads) {
      this.loss = loss;
      this.rounds = rounds;
      this.resumed = resumed;
      this.warmThreads = warmThreads;
    }
  }

  /**
   * What a worker reports back: its network's training counters, whether it resumed a kept network,
   * and the workspaces its thread held when it began.
   */
  static final class Report implements Serializable {
    private static final long serialVersionUID = 1L;
    final int iterations;
    final int epochs;
    final boolean resumed;
    /** Bytes of DL4J workspaces its training thread held when the worker began: those a worker before it left. */
    final long workspaceBytes;

    Report(int iterations, int epochs, boolean resumed, long workspaceBytes) {
      this.iterations = iterations;
      this.epochs = epochs;
      this.resumed = resumed;
      this.workspaceBytes = workspaceBytes;
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
    INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
    if (net.params().dataType() != DataType.FLOAT || state != null && state.dataType() != DataType.FLOAT) {
      return "the driver's hub averages float parameters and updater state, not " + net.params().dataType()
          + (state == null ? "" : " and " + state.dataType());
    }
    return null;
  }

  /**
   * Trains {@code net} on {@code batches}, one barrier task per partition, averaging every
   * {@code frequency} minibatches of each task, and leaves the last average in {@code net} (its
   * parameters, updater state and training counters; unchanged where no worker trained). Workers
   * resume the networks their executors kept under {@code resume}, when {@code net} is still what
   * the stage that kept them ended with (null: none is), and keep theirs under {@code keep}, with
   * their training threads' workspaces, for the next chunk's workers (null: for none; the workers
   * free their workspaces).
   */
  static Outcome fit(JavaSparkContext sc, ComputationGraph net, JavaRDD<DataSet> batches, int frequency, String resume,
      String keep) {
    if (frequency <= 0) {
      throw new IllegalArgumentException("averaging frequency must be positive, got " + frequency);
    }
    Start from = Start.of(net);
    // serialised only if a worker has no kept network to resume
    AveragingHub hub = AveragingHub.start(batches.getNumPartitions(), frequency, () -> serialize(net));
    try {
      String host = sc.getConf().get("spark.driver.host", "127.0.0.1");
      ClassTag<Report> tag = ClassTag$.MODULE$.apply(Report.class);
      List<Report> reports;
      try {
        reports = batches.rdd().barrier()
            .mapPartitions(new Worker(from, resume, keep, host, hub.port()), false, tag).toJavaRDD().collect();
      } catch (RuntimeException e) {
        hub.close();
        hub.rethrow(); // the hub's own failure, which the workers only saw as a lost connection
        throw e;
      }
      hub.close(); // waits for the hub's thread: its record of the last average is then complete
      hub.rethrow();
      int resumed = 0;
      int warm = 0;
      for (Report r : reports) {
        resumed += r.resumed ? 1 : 0;
        warm += r.workspaceBytes > 0 ? 1 : 0;
      }
      AveragingHub.Average last = hub.lastAverage();
      double loss = Double.NaN;
      if (last != null) {
        assign(net.params(), last.params);
        INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
        if (state != null && state.length() > 0) {
          assign(state, last.state);
        }
        loss = meanOfNumbers(last.scores);
      }
      // every worker trained from the same counters; worker 0's are the chunk's (DL4J's master keeps its first worker's)
      net.getConfiguration().setIterationCount(reports.get(0).iterations);
      net.getConfiguration().setEpochCount(reports.get(0).epochs);
      AveragingHub.Timing timing = hub.timing();
      LOG.info("parameter averaging: {}; {} of {} workers resumed their executor's network, {} trained on a thread "
          + "with its workspaces allocated", timing, resumed, reports.size(), warm);
      return new Outcome(loss, timing == null ? 0 : timing.rounds, resumed, warm);
    } finally {
      hub.close();
    }
  }

  private static void assign(INDArray target, float[] values) {
    if (values.length != target.length()) {
      throw new IllegalStateException("the average has " + values.length + " values; the network " + target.length());
    }
    target.assign(Nd4j.createFromArray(values).reshape(target.shape()).castTo(target.dataType()));
  }

  private static double meanOfNumbers(double[] values) {
    double sum = 0;
    int n = 0;
    for (double v : values) {
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  /**
   * What a kept network must be given to equal the driver's at a chunk's start: the learning rate of
   * each layer that has one (the driver sets them between chunks) and the training counters.
   */
  static final class Start implements Serializable {
    private static final long serialVersionUID = 1L;
    final Map<String, Double> learningRates;
    final int iterations;
    final int epochs;

    private Start(Map<String, Double> learningRates, int iterations, int epochs) {
      this.learningRates = learningRates;
      this.iterations = iterations;
      this.epochs = epochs;
    }

    static Start of(ComputationGraph net) {
      Map<String, Double> rates = new TreeMap<>();
      for (org.deeplearning4j.nn.api.Layer layer : net.getLayers()) {
        String name = layer.conf().getLayer().getLayerName();
        Double lr = net.getLearningRate(name);
        if (lr != null) {
          rates.put(name, lr);
        }
      }
      return new Start(rates, net.getConfiguration().getIterationCount(), net.getConfiguration().getEpochCount());
    }

    /** Gives {@code net} these learning rates (one updater rebuild where all are equal) and counters. */
    void applyTo(ComputationGraph net) {
      Set<Double> distinct = new HashSet<>(learningRates.values());
      boolean differs = false;
      for (Map.Entry<String, Double> e : learningRates.entrySet()) {
        differs |= !e.getValue().equals(net.getLearningRate(e.getKey()));
      }
      if (differs && distinct.size() == 1) {
        net.setLearningRate(distinct.iterator().next());
      } else if (differs) {
        for (Map.Entry<String, Double> e : learningRates.entrySet()) {
          if (!e.getValue().equals(net.getLearningRate(e.getKey()))) {
            net.setLearningRate(e.getKey(), e.getValue());
          }
        }
      }
      net.getConfiguration().setIterationCount(iterations);
      net.getConfiguration().setEpochCount(epochs);
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
      extends AbstractFunction1<scala.collection.Iterator<DataSet>, scala.collection.Iterator<Report>>
      implements Serializable {
    private static final long serialVersionUID = 1L;
    private final Start from;
    private final String resume;
    private final String keep;
    private final String hubHost;
    private final int hubPort;

    Worker(Start from, String resume, String keep, String hubHost, int hubPort) {
      this.from = from;
      this.resume = resume;
      this.keep = keep;
      this.hubHost = hubHost;
      this.hubPort = hubPort;
    }

    @Override
    public scala.collection.Iterator<Report> apply(scala.collection.Iterator<DataSet> partition) {
      BarrierTaskContext ctx = BarrierTaskContext.get();
      Nd4jSetup.configure();
      List<DataSet> mine = new ArrayList<>();
      while (partition.hasNext()) {
        mine.add(partition.next());
      }
      ComputationGraph kept = ResidentNetworks.take(resume);
      Report report;
      try (AveragingHub.Link hub = AveragingHub.Link.connect(hubHost, hubPort, ctx.stageAttemptNumber(),
          ctx.partitionId(), mine.size(), kept == null)) {
        report = TrainingThreads.call(() -> trainKeepingOrFreeing(hub, mine, kept));
      } catch (IOException e) {
        throw new UncheckedIOException("worker " + ctx.partitionId() + ": averaging hub " + hubHost + ":" + hubPort
            + ": " + e.getMessage(), e);
      }
      return JavaConverters.asScalaIteratorConverter(Collections.singletonList(report).iterator()).asScala();
    }

    /**
     * Trains on the calling thread of {@link TrainingThreads}; its workspaces stay for the next chunk's
     * worker where this one keeps its network for it, and are freed otherwise (the run's last chunk, a
     * failure).
     */
    private Report trainKeepingOrFreeing(AveragingHub.Link hub, List<DataSet> mine, ComputationGraph kept)
        throws IOException {
      boolean keeping = false;
      try {
        Report report = train(hub, mine, kept);
        keeping = keep != null;
        return report;
      } finally {
        if (!keeping) {
          WorkspaceRelease.release();
        }
      }
    }

    /** Trains {@code kept}, the network the executor kept, or where it kept none, the driver's. */
    private Report train(AveragingHub.Link hub, List<DataSet> mine, ComputationGraph kept) throws IOException {
      long workspaceBytes = WorkspaceRelease.heldByCurrentThread();
      ComputationGraph net = kept;
      boolean resumed = net != null;
      if (resumed) {
        from.applyTo(net);
      } else {
        try {
          net = ModelSerializer.restoreComputationGraph(new ByteArrayInputStream(hub.takeNetwork()), true);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot restore the network to train: " + e.getMessage(), e);
        }
      }
      INDArray params = net.params();
      INDArray state = net.getUpdater() == null ? null : net.getUpdater().getStateViewArray();
      int frequency = hub.frequency();
      int rounds = hub.rounds();
      double lastScore = Double.NaN;
      for (int r = 0; r < rounds; r++) {
        int from = Math.min(r * frequency, mine.size());
        int to = Math.min(from + frequency, mine.size());
        long started = System.nanoTime();
        for (int i = from; i < to; i++) {
          net.fit(mine.get(i));
          lastScore = net.score();
        }
        hub.average(to - from, (System.nanoTime() - started) / 1e9, lastScore, params, state);
      }
      // kept only once the whole chunk has averaged: a failed task leaves nothing to resume
      if (keep != null) {
        ResidentNetworks.keep(keep, net);
      }
      return new Report(net.getConfiguration().getIterationCount(), net.getConfiguration().getEpochCount(), resumed,
          workspaceBytes);
    }
  }
}
