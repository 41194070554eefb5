package org.selfsup.bench;

import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.NoOp;
import org.selfsup.models.ChannelsLast;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/**
 * Training and inference images/s of a network on this machine (oneDNN on), without Spark:
 * the ceiling that the Spark pipeline approaches. Usage:
 * {@code TrainBenchmark ARCH K INPUT_SIZE small|standard BLOCKS(2,2,2) BATCH SECONDS [CACHE_MODE] [task=NAME]}
 * (CACHE_MODE: DL4J's activation cache, default the trainer's; {@code NONE} is DL4J's default).
 * Without a task the network is a 4-class classifier (rotation's, and the PyTorch twin's); with
 * {@code task=NAME} it is that task's training network, on its input (a patch task: the views of an
 * example, each a patch of the INPUT_SIZE crop; rates count examples).
 * Training and inference run the channels-last copy that the trainer and feature extraction run
 * ({@link ChannelsLast}) where the graph allows it, with the NCHW rates beside them. Prints one line of rates and {@code numParams()},
 * then one line with the trainable parameters
 * (jobs/bench_torch.sh compares both with its PyTorch twin).
 */
public final class TrainBenchmark {
  static final int CLASSES = 4;

  private TrainBenchmark() {}

  public static void main(String[] args) {
    String arch = args[0];
    int k = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    boolean small = "small".equals(args[3]);
    int batch = Integer.parseInt(args[5]);
    double seconds = Double.parseDouble(args[6]);
    CacheMode cache = null;
    Task task = null;
    for (int i = 7; i < args.length; i++) {
      if (args[i].startsWith("task=")) {
        task = Tasks.forName(args[i].substring("task=".length()));
      } else {
        cache = CacheMode.valueOf(args[i].toUpperCase(Locale.ROOT));
      }
    }
    Nd4jSetup.configure();
    TrainConfig cfg = new TrainConfig();
    NeuralNetConfiguration.Builder base = cache == null ? Optimisation.base(cfg, 0.01) : Optimisation.base(cfg, 0.01, cache);
    TrunkConfig trunk = trunk(args);
    ComputationGraph model = task == null ? Models.classifier(base, trunk, CLASSES) : task.buildModel(base, trunk, CLASSES);
    long[] example = task == null ? new long[] {trunk.inputChannels, size, size} : task.exampleShape(trunk);
    INDArray x = Nd4j.rand(new int[] {batch, (int) example[0], (int) example[1], (int) example[2]});
    INDArray y = labels(batch, task == null ? CLASSES : task.numOutputs(CLASSES));
    // the trainer's layout (--training_layout channels_last) and the feature extractor's: channels-last where
    // the graph allows it, with the NCHW rates beside
    boolean channelsLast = ChannelsLast.supports(model.getConfiguration());
    INDArray xNhwc = channelsLast ? toNhwcViews(x, trunk.inputChannels) : null;
    double trainNchw = trainingRate(model, x, y, seconds);
    double train = channelsLast ? trainingRate(ChannelsLast.copyOf(model), xNhwc, y, seconds) : trainNchw;
    double inferNchw = inferenceRate(model, x, seconds);
    double infer = channelsLast ? inferenceRate(ChannelsLast.copyOf(model), xNhwc, seconds) : inferNchw;
    String layout = channelsLast ? "channels-last" : "NCHW";
    System.out.printf(Locale.ROOT, "%s%s k=%d %dpx %s blocks=%s batch=%d params=%d%s: train %.1f %s/s (%s; NCHW %.1f), "
        + "inference %.1f %s/s (%s; NCHW %.1f) (%s)%n",
        task == null ? "" : task.name() + " ", arch, k, size, small ? "small" : "standard", args[4], batch,
        model.numParams(), cache == null ? "" : " cache " + cache, train, task == null ? "images" : "examples", layout,
        trainNchw, infer, task == null ? "images" : "examples", layout, inferNchw, Nd4jSetup.describe());
    System.out.printf(Locale.ROOT, "trainable params=%d (numParams less the %d with a NoOp updater: batch norm's running mean and variance)%n",
        trainableParams(model), model.numParams() - trainableParams(model));
  }

  /** Images/s of {@code fit} on ({@code x}, {@code y}) over {@code seconds}, after one warm-up step. */
  static double trainingRate(ComputationGraph model, INDArray x, INDArray y, double seconds) {
    model.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
    long n = 0;
    long start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < seconds) {
      model.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
      n += x.size(0);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** Images/s of {@code output(false, x)} over {@code seconds}, after one warm-up call. */
  static double inferenceRate(ComputationGraph model, INDArray x, double seconds) {
    model.output(false, x);
    long n = 0;
    long start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < seconds) {
      model.output(false, x);
      n += x.size(0);
    }
    return n / ((System.nanoTime() - start) / 1e9);
  }

  /** The trunk of arguments {@code ARCH K INPUT_SIZE small|standard BLOCKS ...}. */
  static TrunkConfig trunk(String[] args) {
    String arch = args[0];
    int k = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    String[] b = args[4].split(",");
    int[] blocks = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      blocks[i] = Integer.parseInt(b[i]);
    }
    return "small".equals(args[3]) ? TrunkConfig.small(arch, k, size, blocks)
        : TrunkConfig.standard(arch, k, size).withBlocksPerStage(blocks);
  }

  /** The benchmarked network: a 4-class classifier with the method's optimiser at learning rate 0.01. */
  static ComputationGraph network(TrunkConfig trunk) {
    return network(trunk, null);
  }

  /** As {@link #network(TrunkConfig)} with the given activation cache (null: the trainer's). */
  static ComputationGraph network(TrunkConfig trunk, CacheMode cache) {
    TrainConfig cfg = new TrainConfig();
    return Models.classifier(cache == null ? Optimisation.base(cfg, 0.01) : Optimisation.base(cfg, 0.01, cache),
        trunk, CLASSES);
  }

  /** One-hot labels, example i of class i % 4. */
  static INDArray labels(int batch) {
    return labels(batch, CLASSES);
  }

  private static INDArray labels(int batch, int classes) {
    INDArray y = Nd4j.zeros(batch, classes);
    for (int i = 0; i < batch; i++) {
      y.putScalar(i, i % classes, 1);
    }
    return y;
  }

  /**
   * [N, V·C, H, W] (V views of C channels) as the channels-last network takes it: [N, V·H, W, C],
   * each view in NHWC, the views of an example one above the other.
   */
  private static INDArray toNhwcViews(INDArray x, int channels) {
    long n = x.size(0);
    long views = x.size(1) / channels;
    INDArray each = ChannelsLast.toNhwc(x.reshape('c', n * views, channels, x.size(2), x.size(3)));
    return each.reshape('c', n, views * x.size(2), x.size(3), channels);
  }

  /** Parameters the updater changes: all but those with DL4J's NoOp updater (batch norm's running statistics). */
  static long trainableParams(ComputationGraph model) {
    long n = 0;
    for (Layer layer : model.getLayers()) {
      for (Map.Entry<String, INDArray> p : layer.paramTable().entrySet()) {
        if (!(layer.conf().getLayer().getUpdaterByParam(p.getKey()) instanceof NoOp)) {
          n += p.getValue().length();
        }
      }
    }
    return n;
  }
}
