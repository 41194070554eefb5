package org.selfsup.train;

import org.deeplearning4j.nn.conf.CacheMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.learning.config.Nesterovs;

/** The optimiser of the method spec as a DL4J base configuration: SGD with momentum 0.9, L2 weight decay. */
public final class Optimisation {
  private Optimisation() {}

  /**
   * DL4J's momentum SGD is Nesterov's variant (the original used TF's classical momentum); the
   * learning rate is overwritten by the trainer before every chunk, following the schedule.
   * Activations are cached for the backward pass ({@link CacheMode#DEVICE}, host memory on the
   * CPU backend): with DL4J's default ({@code NONE}) every convolution runs its forward pass a
   * second time in backprop.
   */
  public static NeuralNetConfiguration.Builder base(TrainConfig cfg, double learningRate) {
    return base(cfg, learningRate, CacheMode.DEVICE);
  }

  /** {@link #base(TrainConfig, double)} with the given activation cache ({@code NONE}: DL4J's default). */
  public static NeuralNetConfiguration.Builder base(TrainConfig cfg, double learningRate, CacheMode cache) {
    return new NeuralNetConfiguration.Builder()
        .cacheMode(cache)
        .seed(cfg.seed)
        .updater(new Nesterovs(learningRate, cfg.momentum))
        .l2(cfg.weightDecay)
        .weightInit(WeightInit.RELU)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
  }
}
