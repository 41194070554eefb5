package org.selfsup.tasks;

import java.io.Serializable;

/**
 * The paper's training recipe of a task (method spec): the trunk it trains by default and the
 * schedule; base_lr 0.1 and 5 warm-up epochs are the same for all. Immutable.
 */
public final class Recipe implements Serializable {
  private static final long serialVersionUID = 1L;

  public final String architecture;
  /** Images per minibatch (each may give several examples). */
  public final int batchSize;
  public final double epochs;
  /** Epochs at which lr is multiplied by 0.1. */
  private final double[] decayEpochs;
  /** Network input (patch tasks: the crop cut into the 3×3 grid). */
  public final int inputSize;

  public Recipe(String architecture, int batchSize, double epochs, double[] decayEpochs, int inputSize) {
    this.architecture = architecture;
    this.batchSize = batchSize;
    this.epochs = epochs;
    this.decayEpochs = decayEpochs.clone();
    this.inputSize = inputSize;
  }

  /** 35 epochs, lr ×0.1 at 15 and 25, 224 px: what every self-supervised task uses. */
  public static Recipe of(String architecture, int batchSize) {
    return new Recipe(architecture, batchSize, 35, new double[] {15, 25}, 224);
  }

  public Recipe withSchedule(double epochs, double... decayEpochs) {
    return new Recipe(architecture, batchSize, epochs, decayEpochs, inputSize);
  }

  public Recipe withInputSize(int size) {
    return new Recipe(architecture, batchSize, epochs, decayEpochs, size);
  }

  public double[] decayEpochs() {
    return decayEpochs.clone();
  }
}
