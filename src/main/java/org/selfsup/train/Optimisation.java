package org.selfsup.train;

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
   */
  public static NeuralNetConfiguration.Builder base(TrainConfig cfg, double learningRate) {
    return new NeuralNetConfiguration.Builder()
        .seed(cfg.seed)
        .updater(new Nesterovs(learningRate, cfg.momentum))
        .l2(cfg.weightDecay)
        .weightInit(WeightInit.RELU)
        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
        .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
  }
}
