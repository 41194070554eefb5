package org.selfsup.eval;

import dev.ludovic.netlib.blas.BLAS;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/**
 * Multinomial logistic regression on standardised feature blocks, distributed: each evaluation
 * of the objective is one Spark job in which every partition computes its blocks' loss and
 * gradient with two BLAS matrix products (logits = X W, gradient = X' (P - Y)) and the driver sums
 * the partial gradients (a tree reduce). The objective is MLlib's for
 * {@code LogisticRegression(family=multinomial, standardization=true, elasticNetParam=0)}: mean
 * cross-entropy plus {@code regParam / 2 * |W|^2} on the standardised coefficients, intercepts not
 * penalised.
 *
 * <p>Parameters are one vector: W column-major ({@code dims x classes}, W[j + c * dims]) then the
 * {@code classes} intercepts.
 */
final class SoftmaxRegression {
  private final JavaRDD<FeatureBlock> blocks;
  private final int dims;
  private final int classes;
  private final long rows;
  private int evaluations;

  /** @param blocks cached training blocks; labels in [0, classes) */
  SoftmaxRegression(JavaRDD<FeatureBlock> blocks, int dims, int classes, long rows) {
    this.blocks = blocks;
    this.dims = dims;
    this.classes = classes;
    this.rows = rows;
  }

  int parameterCount() {
    return dims * classes + classes;
  }

  int evaluations() {
    return evaluations;
  }

  /** MLlib's starting point: zero weights, intercepts at the centred log class frequencies. */
  double[] start(long[] classCounts) {
    double[] x = new double[parameterCount()];
    double meanLog = 0;
    for (long n : classCounts) {
      meanLog += Math.log(Math.max(n, 1));
    }
    meanLog /= classes;
    for (int c = 0; c < classes; c++) {
      x[dims * classes + c] = Math.log(Math.max(classCounts[c], 1)) - meanLog;
    }
    return x;
  }

  /** The objective and its gradient at x for this L2 strength (one pass over the blocks). */
  double evaluate(double[] x, double[] grad, double regParam) {
    evaluations++;
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(blocks.context());
    Broadcast<float[]> params = sc.broadcast(toFloats(x));
    int d = dims;
    int k = classes;
    try {
      double[] sum = blocks.mapPartitions(it -> partial(it, params.value(), d, k)).treeReduce(SoftmaxRegression::add);
      double loss = sum[dims * classes + classes] / rows;
      int weights = dims * classes;
      double penalty = 0;
      for (int i = 0; i < x.length; i++) {
        grad[i] = sum[i] / rows;
        if (i < weights) {
          grad[i] += regParam * x[i];
          penalty += x[i] * x[i];
        }
      }
      return loss + 0.5 * regParam * penalty;
    } finally {
      params.destroy();
    }
  }

  /** Sum over a partition's blocks of the gradient (unscaled) and, last, the loss. */
  private static Iterator<double[]> partial(Iterator<FeatureBlock> it, float[] params, int d, int k) {
    double[] acc = new double[d * k + k + 1];
    float[] gw = new float[d * k];
    while (it.hasNext()) {
      FeatureBlock b = it.next();
      float[] g = logits(b, params, d, k);
      double loss = 0;
      for (int i = 0; i < b.rows; i++) {
        int o = i * k;
        float max = g[o];
        for (int c = 1; c < k; c++) {
          max = Math.max(max, g[o + c]);
        }
        double sum = 0;
        for (int c = 0; c < k; c++) {
          sum += Math.exp(g[o + c] - max);
        }
        int label = b.labels[i];
        loss += Math.log(sum) + max - g[o + label];
        for (int c = 0; c < k; c++) {
          g[o + c] = (float) (Math.exp(g[o + c] - max) / sum - (c == label ? 1 : 0));
        }
        for (int c = 0; c < k; c++) {
          acc[d * k + c] += g[o + c];
        }
      }
      // gW (d x k) = X' (d x n, as X is row-major n x d) times G' (n x k, G being k x n column-major)
      BLAS.getInstance().sgemm("N", "T", d, k, b.rows, 1f, b.x, d, g, k, 0f, gw, d);
      for (int i = 0; i < gw.length; i++) {
        acc[i] += gw[i];
      }
      acc[d * k + k] += loss;
    }
    return Collections.singletonList(acc).iterator();
  }

  /** k x rows column-major: the logits of row i at [i * k, i * k + k). */
  static float[] logits(FeatureBlock b, float[] params, int d, int k) {
    float[] out = new float[k * b.rows];
    BLAS.getInstance().sgemm("T", "N", k, b.rows, d, 1f, params, d, b.x, d, 0f, out, k);
    for (int i = 0; i < b.rows; i++) {
      for (int c = 0; c < k; c++) {
        out[i * k + c] += params[d * k + c];
      }
    }
    return out;
  }

  /**
   * Top-k accuracies on blocks with the model x, one per k: a row counts for k when fewer than k
   * classes score strictly higher than its label (ties go to the label; a label the model does
   * not know ranks last).
   */
  static double[] topK(JavaRDD<FeatureBlock> blocks, double[] x, int dims, int classes, int... ks) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(blocks.context());
    Broadcast<float[]> params = sc.broadcast(toFloats(x));
    try {
      long[] counts = blocks.mapPartitions(it -> {
        long[] c = new long[ks.length + 1];
        while (it.hasNext()) {
          FeatureBlock b = it.next();
          float[] g = logits(b, params.value(), dims, classes);
          for (int i = 0; i < b.rows; i++) {
            int rank = rank(g, i * classes, classes, b.labels[i]);
            for (int j = 0; j < ks.length; j++) {
              if (rank < ks[j]) {
                c[j]++;
              }
            }
          }
          c[ks.length] += b.rows;
        }
        return Collections.singletonList(c).iterator();
      }).reduce((a, b) -> {
        long[] s = a.clone();
        for (int i = 0; i < s.length; i++) {
          s[i] += b[i];
        }
        return s;
      });
      double[] out = new double[ks.length];
      for (int j = 0; j < ks.length; j++) {
        out[j] = counts[ks.length] == 0 ? 0 : (double) counts[j] / counts[ks.length];
      }
      return out;
    } finally {
      params.destroy();
    }
  }

  static int rank(float[] logits, int offset, int classes, int label) {
    if (label < 0 || label >= classes) {
      return classes;
    }
    float own = logits[offset + label];
    int rank = 0;
    for (int c = 0; c < classes; c++) {
      if (logits[offset + c] > own) {
        rank++;
      }
    }
    return rank;
  }

  /** The BLAS implementation in use in this JVM (native when a system libblas.so.3 loads). */
  static String blasName() {
    return BLAS.getInstance().getClass().getSimpleName();
  }

  private static double[] add(double[] a, double[] b) {
    for (int i = 0; i < a.length; i++) {
      a[i] += b[i];
    }
    return a;
  }

  private static float[] toFloats(double[] x) {
    float[] f = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      f[i] = (float) x[i];
    }
    return f;
  }
}
