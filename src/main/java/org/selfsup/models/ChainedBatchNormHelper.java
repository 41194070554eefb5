package org.selfsup.models;

import java.util.Collections;
import java.util.Map;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A batch-norm helper that computes the calls it takes and hands the others to the next helper in
 * line ({@code fallback}; with none, returning null sends DL4J to its built-in code). DL4J updates
 * the running statistics from the batch mean and variance of whichever helper ran the last forward
 * pass.
 */
abstract class ChainedBatchNormHelper implements BatchNormalizationHelper {
  private final BatchNormalizationHelper fallback;
  /** Whether the last forward pass went to {@code fallback}. */
  private boolean fellBack = true;
  /** This layer's batch statistics of its last training pass, [C], when this helper computed it. */
  protected INDArray batchMean;
  protected INDArray batchVariance;

  ChainedBatchNormHelper(BatchNormalizationHelper fallback) {
    this.fallback = fallback;
  }

  /** Whether the last forward pass was this helper's own (false: it went down the line). */
  protected boolean ranForward() {
    return !fellBack;
  }

  /** Marks the forward pass this helper just computed as its own. */
  protected void ranForwardHere() {
    fellBack = false;
  }

  protected INDArray forwardDownTheLine(INDArray x, boolean training, long[] shape, INDArray gamma, INDArray beta,
      INDArray mean, INDArray var, double decay, double eps, CNN2DFormat format, LayerWorkspaceMgr workspaceMgr) {
    fellBack = true;
    return fallback == null ? null
        : fallback.preOutput(x, training, shape, gamma, beta, mean, var, decay, eps, format, workspaceMgr);
  }

  protected Pair<Gradient, INDArray> backwardDownTheLine(INDArray input, INDArray epsilon, long[] shape,
      INDArray gamma, INDArray beta, INDArray dGammaView, INDArray dBetaView, double eps, CNN2DFormat format,
      LayerWorkspaceMgr workspaceMgr) {
    return fallback == null ? null
        : fallback.backpropGradient(input, epsilon, shape, gamma, beta, dGammaView, dBetaView, eps, format,
            workspaceMgr);
  }

  @Override
  public boolean checkSupported(double eps, boolean fixedGammaBeta) {
    return !fixedGammaBeta;
  }

  @Override
  public boolean checkSupported() {
    return true;
  }

  @Override
  public Map<String, Long> helperMemoryUse() {
    return Collections.emptyMap();
  }

  @Override
  public INDArray getMeanCache(DataType dataType) {
    return !fellBack ? batchMean : fallback == null ? null : fallback.getMeanCache(dataType);
  }

  @Override
  public INDArray getVarCache(DataType dataType) {
    return !fellBack ? batchVariance : fallback == null ? null : fallback.getVarCache(dataType);
  }
}
