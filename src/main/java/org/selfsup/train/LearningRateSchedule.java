package org.selfsup.train;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The paper's schedule: {@code lr = base_lr × batch / 256}, a linear warm-up over the first
 * epochs, then ×{@code decayFactor} at each decay epoch. A function of the (fractional) epoch,
 * so an interrupted and resumed run follows the same curve.
 */
public final class LearningRateSchedule implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double peak;
  private final double warmupEpochs;
  private final double[] decayEpochs;
  private final double decayFactor;

  public LearningRateSchedule(double baseLr, int batchSize, double warmupEpochs, double[] decayEpochs,
      double decayFactor) {
    if (baseLr <= 0 || batchSize <= 0 || warmupEpochs < 0 || decayFactor <= 0) {
      throw new IllegalArgumentException("learning rate schedule needs base_lr > 0, batch_size > 0, "
          + "warmup_epochs >= 0, decay factor > 0");
    }
    this.peak = baseLr * batchSize / 256.0;
    this.warmupEpochs = warmupEpochs;
    this.decayEpochs = decayEpochs.clone();
    Arrays.sort(this.decayEpochs);
    this.decayFactor = decayFactor;
  }

  /** The effective (peak) learning rate, base_lr × batch / 256. */
  public double peak() {
    return peak;
  }

  /** Learning rate at {@code epoch} (0 = start of training; 1.5 = half-way through the second epoch). */
  public double at(double epoch) {
    double lr = peak;
    if (epoch < warmupEpochs) {
      // linear from peak/steps to peak, as the original's warm-up from ~0
      lr = peak * Math.max(epoch, 0) / warmupEpochs;
    }
    for (double d : decayEpochs) {
      if (epoch >= d) {
        lr *= decayFactor;
      }
    }
    return lr;
  }
}
