package org.selfsup.eval;

import static org.apache.spark.sql.functions.col;

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
