package org.selfsup.eval;

import static org.apache.spark.sql.functions.col;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.stat.Summarizer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Per-feature (x - mean) / std with the training split's mean and sample standard deviation
 * (MLlib's {@code Summarizer}, as MLlib's logistic regression standardises); a feature that is
 * constant on train becomes 0 everywhere, as MLlib drops it.
 */
final class Standardizer implements FeatureBlock.RowTransform {
  private static final long serialVersionUID = 1L;

  private final double[] mean;
  private final double[] inverseStd;

  Standardizer(double[] mean, double[] std) {
    if (mean.length != std.length) {
      throw new IllegalArgumentException("mean and std differ in length");
    }
    this.mean = mean.clone();
    this.inverseStd = new double[std.length];
    for (int j = 0; j < std.length; j++) {
      inverseStd[j] = std[j] > 0 ? 1 / std[j] : 0;
    }
  }

  /**
   * Mean and sample standard deviation of each column of the blocks' rows, in double precision
   * (per block, then merged pairwise: Chan et al.'s parallel update), one pass over cached blocks.
   */
  static Standardizer fit(JavaRDD<FeatureBlock> blocks, int dims) {
    double[][] m = blocks.map(b -> moments(b, dims)).treeReduce(Standardizer::merge);
    double n = m[0][0];
    double[] std = new double[dims];
    for (int j = 0; j < dims; j++) {
      std[j] = n > 1 ? Math.sqrt(m[2][j] / (n - 1)) : 0;
    }
    return new Standardizer(m[1], std);
  }

  /** {count}, means, sums of squared deviations from the means. */
  private static double[][] moments(FeatureBlock b, int dims) {
    double[] mean = new double[dims];
    double[] m2 = new double[dims];
    for (int i = 0; i < b.rows; i++) {
      for (int j = 0; j < dims; j++) {
        mean[j] += b.x[i * dims + j];
      }
    }
    for (int j = 0; j < dims; j++) {
      mean[j] /= Math.max(1, b.rows);
    }
    for (int i = 0; i < b.rows; i++) {
      for (int j = 0; j < dims; j++) {
        double e = b.x[i * dims + j] - mean[j];
        m2[j] += e * e;
      }
    }
    return new double[][] {{b.rows}, mean, m2};
  }

  private static double[][] merge(double[][] a, double[][] b) {
    double na = a[0][0];
    double nb = b[0][0];
    double n = na + nb;
    if (n == 0) {
      return a;
    }
    int dims = a[1].length;
    double[] mean = new double[dims];
    double[] m2 = new double[dims];
    for (int j = 0; j < dims; j++) {
      double delta = b[1][j] - a[1][j];
      mean[j] = a[1][j] + delta * nb / n;
      m2[j] = a[2][j] + b[2][j] + delta * delta * na * nb / n;
    }
    return new double[][] {{n}, mean, m2};
  }

  /** A block with each row standardised. */
  FeatureBlock standardise(FeatureBlock b) {
    int d = mean.length;
    float[] out = new float[b.x.length];
    for (int i = 0; i < b.rows; i++) {
      for (int j = 0; j < d; j++) {
        out[i * d + j] = (float) ((b.x[i * d + j] - mean[j]) * inverseStd[j]);
      }
    }
    return new FeatureBlock(b.rows, d, out, b.labels);
  }

  static Standardizer fit(Dataset<Row> train, String column) {
    Row r = train.select(Summarizer.metrics("mean", "std").summary(col(column)).as("s")).select("s.mean", "s.std").first();
    return new Standardizer(((Vector) r.get(0)).toArray(), ((Vector) r.get(1)).toArray());
  }

  @Override
  public int dims() {
    return mean.length;
  }

  @Override
  public void apply(Vector v, float[] out, int offset) {
    int d = mean.length;
    if (v instanceof org.apache.spark.ml.linalg.DenseVector) {
      double[] values = ((org.apache.spark.ml.linalg.DenseVector) v).values();
      for (int j = 0; j < d; j++) {
        out[offset + j] = (float) ((values[j] - mean[j]) * inverseStd[j]);
      }
    } else {
      for (int j = 0; j < d; j++) {
        out[offset + j] = (float) ((v.apply(j) - mean[j]) * inverseStd[j]);
      }
    }
  }
}
