package org.selfsup.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Semi-hard triplet loss for the exemplar pretext task, as TensorFlow's
 * {@code tf.contrib.losses.metric_learning.triplet_semihard_loss} (squared Euclidean distances), on
 * embeddings that this loss first normalises to unit L2 norm.
 *
 * <p><b>Labels.</b> One-hot rows of the output's shape [N, D]; the group of example i is the column of the
 * 1 in row i (the index of its source image in the minibatch, shared by all copies of that image). D is
 * the embedding size, so groups are limited to D; the labels only have this shape so that DL4J's shape
 * checks pass.
 *
 * <p><b>Loss.</b> e_i = y_i / ||y_i|| with y = activation(preOutput) (normally identity; the norm is
 * floored at 1e-6 as {@code tf.nn.l2_normalize} does), d(i, j) = ||e_i − e_j||². For every ordered
 * anchor–positive pair (a ≠ p, same group) the negative n is, among the examples of other groups, the one
 * with the smallest d(a, n) that is still &gt; d(a, p) (semi-hard), or, if there is none, the one with the
 * largest d(a, n). The pair's loss is max(d(a, p) − d(a, n) + margin, 0); the batch loss is the mean over
 * all P anchor–positive pairs. The selection is piecewise constant, so the gradient flows through d(a, p)
 * and d(a, n) of the chosen triplets (as in TensorFlow), and through the normalisation.
 *
 * <p><b>DL4J conventions</b> (as {@code LossL2}/{@code LossMSE}, and as
 * {@code org.deeplearning4j.nn.layers.LossLayer} uses them): {@link #computeScoreArray} is per example,
 * [N, 1], each pair's loss attributed to its anchor and multiplied by N / P, so that its sum is N × the
 * batch loss; {@link #computeScore} with {@code average} is that sum / N (= the batch loss), without it the
 * sum (LossLayer calls it with {@code average=false} and divides by the minibatch size itself);
 * {@link #computeGradient} is d(sum of the score array)/d(preOutput), not divided by N (DL4J's updater
 * divides gradients by the minibatch size). Masks are not supported. Arithmetic is in double; returned
 * arrays have the preOutput's data type.
 */
public class TripletSemiHardLoss implements ILossFunction {
  private static final long serialVersionUID = 1L;

  public static final double DEFAULT_MARGIN = 0.5;
  /** Floor of the squared norm in the normalisation, as {@code tf.nn.l2_normalize}'s epsilon. */
  static final double NORM_SQ_FLOOR = 1e-12;

  @JsonProperty("margin")
  private double margin;

  /** Margin {@value #DEFAULT_MARGIN}; also the constructor JSON deserialisation uses. */
  public TripletSemiHardLoss() {
    this(DEFAULT_MARGIN);
  }

  public TripletSemiHardLoss(double margin) {
    if (!(margin >= 0) || Double.isInfinite(margin)) {
      throw new IllegalArgumentException("margin must be finite and >= 0, got " + margin);
    }
    this.margin = margin;
  }

  public double getMargin() {
    return margin;
  }

  @Override
  public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    Evaluation ev = evaluate(labels, preOutput, activationFn, mask, false);
    return Nd4j.create(ev.scorePerExample, new long[] {ev.n, 1}, 'c').castTo(preOutput.dataType());
  }

  @Override
  public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean average) {
    Evaluation ev = evaluate(labels, preOutput, activationFn, mask, false);
    return average ? ev.scoreSum() / ev.n : ev.scoreSum();
  }

  @Override
  public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
    return gradient(evaluate(labels, preOutput, activationFn, mask, true), preOutput, activationFn);
  }

  @Override
  public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
      IActivation activationFn, INDArray mask, boolean average) {
    Evaluation ev = evaluate(labels, preOutput, activationFn, mask, true);
    double score = average ? ev.scoreSum() / ev.n : ev.scoreSum();
    return new Pair<>(score, gradient(ev, preOutput, activationFn));
  }

  /**
   * The triplets the loss uses for this batch, one row {anchor, positive, negative, active} per ordered
   * anchor–positive pair, active = 1 where the pair's hinge is open (loss &gt; 0). For tests and diagnostics.
   */
  public List<int[]> selectedTriplets(INDArray labels, INDArray preOutput, IActivation activationFn) {
    return evaluate(labels, preOutput, activationFn, null, false).triplets;
  }

  /**
   * Group of each example: the column of the 1 in its one-hot label row.
   *
   * @throws IllegalArgumentException if a row is not one-hot (exactly one 1, all else 0)
   */
  public static int[] groups(INDArray labels) {
    if (labels.rank() != 2) {
      throw new IllegalArgumentException("labels must be [N, D] one-hot rows, got shape "
          + Arrays.toString(labels.shape()));
    }
    int n = (int) labels.size(0);
    int d = (int) labels.size(1);
    double[] flat = labels.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    int[] group = new int[n];
    for (int i = 0; i < n; i++) {
      int hot = -1;
      for (int k = 0; k < d; k++) {
        double v = flat[i * d + k];
        if (v == 1.0 && hot < 0) {
          hot = k;
        } else if (v != 0.0) {
          hot = -2;
          break;
        }
      }
      if (hot < 0) {
        double[] row = Arrays.copyOfRange(flat, i * d, i * d + d);
        throw new IllegalArgumentException("label row " + i + " is not one-hot (exactly one 1, the rest 0): "
            + Arrays.toString(row));
      }
      group[i] = hot;
    }
    return group;
  }

  /** Everything one forward pass gives: per-example scores, and d(score sum)/d(normalised embedding). */
  private static final class Evaluation {
    int n;
    int dim;
    double[] scorePerExample;
    /** Unnormalised embeddings y and their unit versions e, row-major [n, dim]. */
    double[] y;
    double[] e;
    /** d(score sum)/de, row-major [n, dim]; null unless asked for. */
    double[] dE;
    List<int[]> triplets = new ArrayList<>();

    double scoreSum() {
      double s = 0;
      for (double v : scorePerExample) {
        s += v;
      }
      return s;
    }
  }

  private Evaluation evaluate(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
      boolean withGradient) {
    if (mask != null) {
      throw new UnsupportedOperationException("TripletSemiHardLoss does not support masks (got a mask of shape "
          + Arrays.toString(mask.shape()) + ")");
    }
    if (preOutput.rank() != 2 || !labels.equalShapes(preOutput)) {
      throw new IllegalArgumentException("labels and preOutput must both be [N, D] with equal shapes: got labels "
          + Arrays.toString(labels.shape()) + " vs preOutput " + Arrays.toString(preOutput.shape()));
    }
    int[] group = groups(labels);
    Evaluation ev = new Evaluation();
    int n = (int) preOutput.size(0);
    int dim = (int) preOutput.size(1);
    ev.n = n;
    ev.dim = dim;

    // Pairs and groups first: a batch without both is a configuration error, not a zero loss.
    int pairs = 0;
    boolean twoGroups = false;
    for (int a = 0; a < n; a++) {
      for (int b = 0; b < n; b++) {
        if (a != b && group[a] == group[b]) {
          pairs++;
        } else if (group[a] != group[b]) {
          twoGroups = true;
        }
      }
    }
    if (pairs == 0 || !twoGroups) {
      throw new IllegalArgumentException("triplet loss needs anchor-positive pairs and negatives: each image needs"
          + " >= 2 copies and the batch >= 2 images (got " + n + " examples, " + pairs + " ordered pairs, "
          + (twoGroups ? "several groups" : "a single group") + ")");
    }

    INDArray out = activationFn.getActivation(preOutput.dup(), true);
    double[] y = out.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    double[] e = new double[n * dim];
    for (int i = 0; i < n; i++) {
      double norm = Math.sqrt(Math.max(squaredNorm(y, i, dim), NORM_SQ_FLOOR));
      for (int k = 0; k < dim; k++) {
        e[i * dim + k] = y[i * dim + k] / norm;
      }
    }
    ev.y = y;
    ev.e = e;

    double[][] d = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = i + 1; j < n; j++) {
        double s = 0;
        for (int k = 0; k < dim; k++) {
          double diff = e[i * dim + k] - e[j * dim + k];
          s += diff * diff;
        }
        d[i][j] = s;
        d[j][i] = s;
      }
    }

    double scale = (double) n / pairs;
    ev.scorePerExample = new double[n];
    if (withGradient) {
      ev.dE = new double[n * dim];
    }
    for (int a = 0; a < n; a++) {
      for (int p = 0; p < n; p++) {
        if (p == a || group[p] != group[a]) {
          continue;
        }
        double dap = d[a][p];
        int semiHard = -1;
        int farthest = -1;
        for (int m = 0; m < n; m++) {
          if (group[m] == group[a]) {
            continue;
          }
          if (d[a][m] > dap && (semiHard < 0 || d[a][m] < d[a][semiHard])) {
            semiHard = m;
          }
          if (farthest < 0 || d[a][m] > d[a][farthest]) {
            farthest = m;
          }
        }
        int neg = semiHard >= 0 ? semiHard : farthest;
        double z = dap - d[a][neg] + margin;
        boolean active = z > 0;
        ev.triplets.add(new int[] {a, p, neg, active ? 1 : 0});
        if (!active) {
          continue;
        }
        ev.scorePerExample[a] += scale * z;
        if (withGradient) {
          // z = |e_a - e_p|^2 - |e_a - e_n|^2 + margin
          for (int k = 0; k < dim; k++) {
            double ap = 2 * scale * (e[a * dim + k] - e[p * dim + k]);
            double an = 2 * scale * (e[a * dim + k] - e[neg * dim + k]);
            ev.dE[a * dim + k] += ap - an;
            ev.dE[p * dim + k] -= ap;
            ev.dE[neg * dim + k] += an;
          }
        }
      }
    }
    return ev;
  }

  /** Backprop d(score sum)/de through e = y / ||y|| and the activation function. */
  private static INDArray gradient(Evaluation ev, INDArray preOutput, IActivation activationFn) {
    int n = ev.n;
    int dim = ev.dim;
    double[] dY = new double[n * dim];
    for (int i = 0; i < n; i++) {
      double sq = squaredNorm(ev.y, i, dim);
      if (sq > NORM_SQ_FLOOR) {
        // de/dy = (I - e e^T) / ||y||
        double norm = Math.sqrt(sq);
        double dot = 0;
        for (int k = 0; k < dim; k++) {
          dot += ev.e[i * dim + k] * ev.dE[i * dim + k];
        }
        for (int k = 0; k < dim; k++) {
          dY[i * dim + k] = (ev.dE[i * dim + k] - ev.e[i * dim + k] * dot) / norm;
        }
      } else {
        // e = y / sqrt(floor): linear
        double norm = Math.sqrt(NORM_SQ_FLOOR);
        for (int k = 0; k < dim; k++) {
          dY[i * dim + k] = ev.dE[i * dim + k] / norm;
        }
      }
    }
    INDArray dLdOutput = Nd4j.create(dY, new long[] {n, dim}, 'c').castTo(preOutput.dataType());
    return activationFn.backprop(preOutput.dup(), dLdOutput).getFirst();
  }

  private static double squaredNorm(double[] rows, int i, int dim) {
    double s = 0;
    for (int k = 0; k < dim; k++) {
      double v = rows[i * dim + k];
      s += v * v;
    }
    return s;
  }

  @Override
  public String name() {
    return toString();
  }

  @Override
  public String toString() {
    return "TripletSemiHardLoss(margin=" + margin + ")";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TripletSemiHardLoss
        && o.getClass() == getClass()
        && Double.compare(((TripletSemiHardLoss) o).margin, margin) == 0;
  }

  @Override
  public int hashCode() {
    return 31 * Double.hashCode(margin) + TripletSemiHardLoss.class.getName().hashCode();
  }
}
