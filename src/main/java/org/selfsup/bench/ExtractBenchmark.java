package org.selfsup.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.TFRecordSource;
import org.selfsup.eval.FeatureExtractor;
import org.selfsup.eval.TrimmedGraph;
import org.selfsup.models.ChannelsLast;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/**
 * Feature extraction's images/s on the quickstart trunk (ResNet50 v2 k=1, 28 px, one block per
 * stage), endpoints block2 and pre_logits, batch 64: the network alone run as evaluation ran it
 * before (feedForward: the whole graph, every vertex's activations copied out) and as it runs now
 * (a copy of the graph trimmed to the endpoints, only their activations copied out), then the whole extraction through Spark (decode,
 * network, pooling, feature rows) over TFRecord files. Usage:
 * {@code ExtractBenchmark SECONDS TFRECORD_FILE...}.
 */
public final class ExtractBenchmark {
  private static final int BATCH = 64;
  private static final List<String> ENDPOINTS = List.of("block2", "pre_logits");
  private static final int ROUNDS = 5;

  private ExtractBenchmark() {}

  public static void main(String[] args) {
    double seconds = Double.parseDouble(args[0]);
    List<String> files = List.of(args).subList(1, args.length);
    Nd4jSetup.configure();
    TrunkConfig trunk = TrunkConfig.small("resnet50v2", 1, 28, 1, 1, 1);
    ComputationGraph model = Models.classifier(Optimisation.base(new TrainConfig(), 0.01), trunk, 4);
    LinkedHashMap<String, String> endpoints = Models.endpoints(trunk, 4);
    List<String> vertices = new ArrayList<>();
    for (String e : ENDPOINTS) {
      vertices.add(endpoints.get(e));
    }
    INDArray x = Nd4j.rand(new int[] {BATCH, 3, 28, 28});

    if (seconds > 0) {
      ComputationGraph cut = TrimmedGraph.ending(model, vertices);
      networkAlone(seconds, model, cut, ChannelsLast.copyOf(cut), x);
    }

    if (!files.isEmpty()) {
      SparkSession spark = SparkSessions.getOrCreate("selfsup extraction benchmark");
      Dataset<Row> records = TFRecordSource.read(spark, files, ReadOptions.defaults()).cache();
      long n = records.count();
      FeatureExtractor extractor = FeatureExtractor.create(spark, model, endpoints, ENDPOINTS,
          "decode|value_range(-1,1)", BATCH, FeatureExtractor.DEFAULT_MAX_FEATURES);
      extractor.extract(records).count(); // warm-up: restores the model in this JVM
      double[] rates = new double[ROUNDS];
      double[] cpuPerImage = new double[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        long start = System.nanoTime();
        long cpu0 = processCpuNanos();
        long rows = extractor.extract(records).count();
        double s = (System.nanoTime() - start) / 1e9;
        double cpu = (processCpuNanos() - cpu0) / 1e9;
        rates[r] = rows / s;
        cpuPerImage[r] = cpu / rows * 1e6;
        System.out.printf(Locale.ROOT, "extraction through Spark, pass %d: %d images in %.1f s, %.1f images/s, "
            + "%.0f µs of CPU per image%n", r + 1, rows, s, rates[r], cpuPerImage[r]);
        if (rows != n) {
          throw new IllegalStateException("extracted " + rows + " rows from " + n + " records");
        }
      }
      System.out.printf(Locale.ROOT, "extraction through Spark (%s, %d partitions, %d images), median of %d passes: "
          + "%.1f images/s, %.0f µs of CPU per image (all of this JVM's threads)%n", spark.sparkContext().master(),
          records.rdd().getNumPartitions(), n, ROUNDS, median(rates), median(cpuPerImage));
      spark.stop();
    }
    System.out.println(Nd4jSetup.describe());
  }

  /** feedForward of the whole graph against the trimmed graph, NCHW and NHWC, alternating rounds. */
  private static void networkAlone(double seconds, ComputationGraph model, ComputationGraph cut,
      ComputationGraph cutNhwc, INDArray x) {
    INDArray xNhwc = ChannelsLast.toNhwc(x);
    Runnable full = () -> {
      Map<String, INDArray> acts = model.feedForward(x, false);
      acts.values().forEach(a -> {
        if (a != x && a.closeable()) {
          a.close();
        }
      });
    };
    Runnable trimmed = () -> {
      for (INDArray a : cut.output(false, x)) {
        a.close();
      }
    };
    Runnable trimmedNhwc = () -> {
      for (INDArray a : cutNhwc.output(false, xNhwc)) {
        a.close();
      }
    };
    // alternating rounds, so that warm-up and the machine's drift fall on all alike
    double[] all = new double[ROUNDS];
    double[] part = new double[ROUNDS];
    double[] last = new double[ROUNDS];
    for (int r = 0; r < ROUNDS; r++) {
      all[r] = rate(seconds / ROUNDS / 3, full);
      part[r] = rate(seconds / ROUNDS / 3, trimmed);
      last[r] = rate(seconds / ROUNDS / 3, trimmedNhwc);
      System.out.printf(Locale.ROOT, "round %d: feedForward (every vertex) %.1f images/s, trimmed graph %.1f images/s, "
          + "trimmed graph channels-last %.1f images/s%n", r + 1, all[r], part[r], last[r]);
    }
    double a = median(all);
    double t = median(part);
    double l = median(last);
    System.out.printf(Locale.ROOT, "network, batch %d, endpoints %s, median of %d rounds: feedForward (every vertex) "
        + "%.1f images/s, trimmed graph (up to the endpoints, only theirs copied) %.1f images/s, ratio %.2f; "
        + "trimmed graph channels-last (what extraction runs) %.1f images/s, ratio to NCHW %.2f%n", BATCH,
        ENDPOINTS, ROUNDS, a, t, t / a, l, l / t);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
        .getOperatingSystemMXBean()).getProcessCpuTime();
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    java.util.Arrays.sort(s);
    return s[s.length / 2];
  }

  private static double rate(double seconds, Runnable batch) {
    batch.run(); // warm-up
    long n = 0;
    long start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < seconds) {
      batch.run();
      n += BATCH;
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }
}
