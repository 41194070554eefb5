package org.selfsup.bench;

import java.util.Locale;
import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

/**
 * Training and inference images/s of a network on this machine (oneDNN on), without Spark:
 * the ceiling that the Spark pipeline approaches. Usage:
 * {@code TrainBenchmark ARCH K INPUT_SIZE small|standard BLOCKS(2,2,2) BATCH SECONDS [CACHE_MODE]}
 * (CACHE_MODE: DL4J's activation cache, default the trainer's; {@code NONE} is DL4J's default).
 */
public final class TrainBenchmark {
  private TrainBenchmark() {}

  public static void main(String[] args) {
    String arch = args[0];
    int k = Integer.parseInt(args[1]);
    int size = Integer.parseInt(args[2]);
    boolean small = "small".equals(args[3]);
    String[] b = args[4].split(",");
    int[] blocks = new int[b.length];
    for (int i = 0; i < b.length; i++) {
      blocks[i] = Integer.parseInt(b[i]);
    }
    int batch = Integer.parseInt(args[5]);
    double seconds = Double.parseDouble(args[6]);
    CacheMode cache = args.length > 7 ? CacheMode.valueOf(args[7].toUpperCase(Locale.ROOT)) : null;
    Nd4jSetup.configure();
    TrunkConfig trunk = small ? TrunkConfig.small(arch, k, size, blocks)
        : TrunkConfig.standard(arch, k, size).withBlocksPerStage(blocks);
    TrainConfig cfg = new TrainConfig();
    ComputationGraph model = Models.classifier(
        cache == null ? Optimisation.base(cfg, 0.01) : Optimisation.base(cfg, 0.01, cache), trunk, 4);
    INDArray x = Nd4j.rand(new int[] {batch, 3, size, size});
    INDArray y = Nd4j.zeros(batch, 4);
    for (int i = 0; i < batch; i++) {
      y.putScalar(i, i % 4, 1);
    }
    model.fit(new org.nd4j.linalg.dataset.DataSet(x, y)); // warm-up
    long n = 0;
    long start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < seconds) {
      model.fit(new org.nd4j.linalg.dataset.DataSet(x, y));
      n += batch;
    }
    double train = n / ((System.nanoTime() - start) / 1e9);
    model.output(false, x);
    n = 0;
    start = System.nanoTime();
    while ((System.nanoTime() - start) / 1e9 < seconds) {
      model.output(false, x);
      n += batch;
    }
    double infer = n / ((System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "%s k=%d %dpx %s blocks=%s batch=%d params=%d%s: train %.1f images/s, inference %.1f images/s (%s)%n",
        arch, k, size, small ? "small" : "standard", args[4], batch, model.numParams(),
        cache == null ? "" : " cache " + cache, train, infer, Nd4jSetup.describe());
  }
}
