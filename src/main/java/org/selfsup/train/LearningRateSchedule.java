package org.selfsup.train;

import java.io.Serializable;
import java.util.Arrays;
import org.selfsup.runtime.UserError;

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
    UserError.require(baseLr > 0 && Double.isFinite(baseLr), "--base_lr must be > 0, not " + baseLr);
    UserError.require(batchSize > 0, "--batch_size must be > 0, not " + batchSize);
    UserError.require(warmupEpochs >= 0 && Double.isFinite(warmupEpochs),
        "--warmup_epochs must be >= 0, not " + warmupEpochs);
    UserError.require(decayFactor > 0 && Double.isFinite(decayFactor), "the decay factor must be > 0, not " + decayFactor);
    for (double d : decayEpochs) {
      UserError.require(d >= 0 && Double.isFinite(d), "--decay_epochs must be >= 0, not " + d);
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
