package org.selfsup.eval;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.selfsup.data.SlimSchema;

/**
 * A block of standardised feature rows as one dense float matrix (row-major, {@code rows x dims})
 * with their labels: the unit the probe's BLAS calls work on. Floats halve the bytes per pass
 * against MLlib's doubles, and a block of a few MB stays in cache between the two matrix products
 * of a gradient.
 */
public final class FeatureBlock implements Serializable {
  private static final long serialVersionUID = 1L;
  /** About this many bytes of features per block. */
  static final long TARGET_BYTES = 4L << 20;

  final int rows;
  final int dims;
  final float[] x;
  final int[] labels;

  FeatureBlock(int rows, int dims, float[] x, int[] labels) {
    this.rows = rows;
    this.dims = dims;
    this.x = x;
    this.labels = labels;
  }

  /** Rows per block for features of this width. */
  static int rowsPerBlock(int dims) {
    return (int) Math.max(1, Math.min(65536, TARGET_BYTES / (4L * dims)));
  }

  /** How a feature vector becomes a block row (standardised for the probe, unit length for kNN). */
  interface RowTransform extends Serializable {
    int dims();

    /** Writes the row's values into out[offset, offset + dims). */
    void apply(Vector v, float[] out, int offset);
  }

  /** The values as they are (float32). */
  static RowTransform asIs(int dims) {
    return new RowTransform() {
      private static final long serialVersionUID = 1L;

      @Override
      public int dims() {
        return dims;
      }

      @Override
      public void apply(Vector v, float[] out, int offset) {
        for (int j = 0; j < dims; j++) {
          out[offset + j] = (float) v.apply(j);
        }
      }
    };
  }

  /** The length of the column's first vector. */
  static int dims(Dataset<Row> df, String column) {
    return ((Vector) df.select(column).first().get(0)).size();
  }

  /** {@code label} and one vector column, transformed, in blocks (not cached). */
  static JavaRDD<FeatureBlock> of(Dataset<Row> df, String column, RowTransform transform) {
    int dims = transform.dims();
    int perBlock = rowsPerBlock(dims);
    // as many partitions as task slots: each pass is one Spark job, and with the dozens of partitions of
    // the stored Parquet the per-task overhead outweighed the arithmetic on small feature sets
    int slots = Math.max(1, df.sparkSession().sparkContext().defaultParallelism());
    JavaRDD<Row> rows = df.select(SlimSchema.LABEL, column).javaRDD();
    if (rows.getNumPartitions() > slots) {
      rows = rows.coalesce(slots);
    }
    return rows.mapPartitions(it -> blocks(it, perBlock, transform));
  }

  private static Iterator<FeatureBlock> blocks(Iterator<Row> rows, int perBlock, RowTransform standardizer) {
    int dims = standardizer.dims();
    List<FeatureBlock> out = new ArrayList<>();
    float[] x = new float[perBlock * dims];
    int[] labels = new int[perBlock];
    int n = 0;
    while (rows.hasNext()) {
      Row r = rows.next();
      Vector v = r.getAs(1);
      if (v.size() != dims) {
        throw new IllegalStateException("a feature vector has " + v.size() + " values, the first had " + dims);
      }
      labels[n] = r.getInt(0);
      standardizer.apply(v, x, n * dims);
      if (++n == perBlock) {
        out.add(new FeatureBlock(n, dims, x, labels));
        x = new float[perBlock * dims];
        labels = new int[perBlock];
        n = 0;
      }
    }
    if (n > 0) {
      float[] xs = new float[n * dims];
      System.arraycopy(x, 0, xs, 0, xs.length);
      int[] ls = new int[n];
      System.arraycopy(labels, 0, ls, 0, n);
      out.add(new FeatureBlock(n, dims, xs, ls));
    }
    return out.iterator();
  }

  long bytes() {
    return 4L * x.length + 4L * labels.length;
  }
}
