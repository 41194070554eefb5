package org.selfsup.eval;

import dev.ludovic.netlib.blas.BLAS;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.selfsup.runtime.UserError;

/**
 * Weighted k-nearest-neighbour classification on frozen features, the protocol the peers (InstDisc,
 * DINO, solo-learn, VISSL) report beside the linear probe: features scaled to unit length, cosine
 * similarity, the k most similar training rows vote for their label with weight
 * {@code exp(similarity / temperature)}; classes are ranked by their summed weight.
 *
 * <p>Distributed without collecting the training features: they stay in cached float blocks on the
 * executors. The queries (val or test rows) are broadcast in chunks of at most
 * {@link #QUERY_CHUNK_BYTES}; per chunk, every partition multiplies its training blocks with the
 * chunk (one BLAS product per block), keeps each query's k best (similarity, label) pairs, and a
 * tree reduce merges those lists. The driver holds one query chunk and {@code queries x k} pairs.
 */
public final class KnnClassifier {
  /** Bytes of query features broadcast at a time. */
  static final long QUERY_CHUNK_BYTES = 64L << 20;
  public static final double DEFAULT_TEMPERATURE = 0.07;

  private final JavaRDD<FeatureBlock> train;
  private final int dims;
  private final int classes;
  private final double temperature;

  /** @param train cached unit-length training blocks */
  KnnClassifier(JavaRDD<FeatureBlock> train, int dims, int classes, double temperature) {
    this.train = train;
    this.dims = dims;
    this.classes = classes;
    this.temperature = temperature;
  }

  /** Scales each vector to unit length (an all-zero vector stays zero). */
  static final class UnitLength implements FeatureBlock.RowTransform {
    private static final long serialVersionUID = 1L;
    private final int dims;

    UnitLength(int dims) {
      this.dims = dims;
    }

    static UnitLength of(Dataset<Row> df, String column) {
      return new UnitLength(((Vector) df.select(column).first().get(0)).size());
    }

    @Override
    public int dims() {
      return dims;
    }

    @Override
    public void apply(Vector v, float[] out, int offset) {
      double norm = org.apache.spark.ml.linalg.Vectors.norm(v, 2);
      double scale = norm > 0 ? 1 / norm : 0;
      for (int j = 0; j < dims; j++) {
        out[offset + j] = (float) (v.apply(j) * scale);
      }
    }
  }

  /**
   * Top-1 and top-5 accuracies of the queries for each k: {@code [i][0]} top-1 and {@code [i][1]}
   * top-5 for {@code ks[i]}.
   */
  double[][] accuracy(JavaRDD<FeatureBlock> queries, int[] ks) {
    int maxK = Arrays.stream(ks).max().orElseThrow();
    List<FeatureBlock> chunk = new ArrayList<>();
    long bytes = 0;
    long[][] hits = new long[ks.length][2];
    long rows = 0;
    for (Iterator<FeatureBlock> it = queries.toLocalIterator(); it.hasNext(); ) {
      FeatureBlock b = it.next();
      chunk.add(b);
      bytes += 4L * b.x.length;
      if (bytes >= QUERY_CHUNK_BYTES || !it.hasNext()) {
        rows += vote(chunk, ks, maxK, hits);
        chunk.clear();
        bytes = 0;
      }
    }
    double[][] out = new double[ks.length][2];
    for (int i = 0; i < ks.length; i++) {
      out[i][0] = rows == 0 ? 0 : (double) hits[i][0] / rows;
      out[i][1] = rows == 0 ? 0 : (double) hits[i][1] / rows;
    }
    return out;
  }

  private long vote(List<FeatureBlock> chunk, int[] ks, int maxK, long[][] hits) {
    int q = chunk.stream().mapToInt(b -> b.rows).sum();
    float[] queries = new float[q * dims];
    int[] labels = new int[q];
    int at = 0;
    for (FeatureBlock b : chunk) {
      System.arraycopy(b.x, 0, queries, at * dims, b.x.length);
      System.arraycopy(b.labels, 0, labels, at, b.rows);
      at += b.rows;
    }
    Neighbours best = nearest(queries, q, maxK);
    for (int j = 0; j < q; j++) {
      for (int i = 0; i < ks.length; i++) {
        int rank = rank(best, j, ks[i], labels[j]);
        hits[i][0] += rank < 1 ? 1 : 0;
        hits[i][1] += rank < 5 ? 1 : 0;
      }
    }
    return q;
  }

  /** How many classes outweigh the label among the query's first k neighbours (ties go to the label). */
  private int rank(Neighbours n, int query, int k, int label) {
    if (label < 0 || label >= classes) {
      return classes;
    }
    double[] score = new double[classes];
    int o = query * n.k;
    for (int i = 0; i < Math.min(k, n.k); i++) {
      int l = n.labels[o + i];
      if (l >= 0) {
        score[l] += Math.exp(n.sims[o + i] / temperature);
      }
    }
    int rank = 0;
    for (int c = 0; c < classes; c++) {
      if (score[c] > score[label]) {
        rank++;
      }
    }
    return rank;
  }

  /** Each query's k most similar training rows, most similar first. */
  Neighbours nearest(float[] queries, int q, int k) {
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(train.context());
    Broadcast<float[]> bq = sc.broadcast(queries);
    int d = dims;
    try {
      Neighbours merged = train.mapPartitions(it -> {
        Neighbours n = new Neighbours(q, k);
        float[] query = bq.value();
        while (it.hasNext()) {
          FeatureBlock b = it.next();
          float[] sims = new float[b.rows * q];
          // sims (rows x q, column-major): the block's rows (d x rows, column-major) transposed times the queries
          BLAS.getInstance().sgemm("T", "N", b.rows, q, d, 1f, b.x, d, query, d, 0f, sims, b.rows);
          for (int j = 0; j < q; j++) {
            for (int i = 0; i < b.rows; i++) {
              n.offer(j, sims[j * b.rows + i], b.labels[i]);
            }
          }
        }
        return Collections.singletonList(n).iterator();
      }).treeReduce(Neighbours::merge);
      merged.sort();
      return merged;
    } finally {
      bq.destroy();
    }
  }

  /**
   * Per query the k best (similarity, label) pairs seen so far, as a min-heap of size k in a flat
   * array (the weakest kept pair at the root); unfilled slots have similarity -inf and label -1.
   */
  static final class Neighbours implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    final int k;
    final float[] sims;
    final int[] labels;
    private final int queries;

    Neighbours(int queries, int k) {
      this.queries = queries;
      this.k = k;
      sims = new float[queries * k];
      labels = new int[queries * k];
      Arrays.fill(sims, Float.NEGATIVE_INFINITY);
      Arrays.fill(labels, -1);
    }

    void offer(int query, float sim, int label) {
      int o = query * k;
      if (sim <= sims[o]) {
        return;
      }
      int i = 0; // replace the root and sift it down
      while (true) {
        int l = 2 * i + 1;
        if (l >= k) {
          break;
        }
        int r = l + 1;
        int c = r < k && sims[o + r] < sims[o + l] ? r : l;
        if (sims[o + c] >= sim) {
          break;
        }
        sims[o + i] = sims[o + c];
        labels[o + i] = labels[o + c];
        i = c;
      }
      sims[o + i] = sim;
      labels[o + i] = label;
    }

    static Neighbours merge(Neighbours a, Neighbours b) {
      for (int j = 0; j < a.queries; j++) {
        for (int i = 0; i < b.k; i++) {
          if (b.labels[j * b.k + i] >= 0) {
            a.offer(j, b.sims[j * b.k + i], b.labels[j * b.k + i]);
          }
        }
      }
      return a;
    }

    /** Most similar first within each query (the heap order is no longer needed). */
    void sort() {
      Integer[] order = new Integer[k];
      float[] s = new float[k];
      int[] l = new int[k];
      for (int j = 0; j < queries; j++) {
        int o = j * k;
        for (int i = 0; i < k; i++) {
          order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Float.compare(sims[o + y], sims[o + x]));
        for (int i = 0; i < k; i++) {
          s[i] = sims[o + order[i]];
          l[i] = labels[o + order[i]];
        }
        System.arraycopy(s, 0, sims, o, k);
        System.arraycopy(l, 0, labels, o, k);
      }
    }
  }

  /** kNN results of one feature column for each k: val and test top-1 / top-5. */
  static List<ProbeReport.Knn> evaluate(Dataset<Row> train, Dataset<Row> val, Dataset<Row> test, String column,
      int[] ks, double temperature) {
    for (int k : ks) {
      if (k <= 0) {
        throw new UserError("--knn values must be positive, got " + k);
      }
    }
    UnitLength unit = UnitLength.of(train, column);
    List<JavaRDD<FeatureBlock>> cached = new ArrayList<>();
    try {
      JavaRDD<FeatureBlock> trainBlocks = FeatureBlock.of(train, column, unit).persist(StorageLevel.MEMORY_AND_DISK());
      cached.add(trainBlocks);
      int classes = 1 + trainBlocks.map(b -> Arrays.stream(b.labels).max().orElse(-1)).reduce(Math::max);
      KnnClassifier knn = new KnnClassifier(trainBlocks, unit.dims(), classes, temperature);
      double[][] v = knn.accuracy(FeatureBlock.of(val, column, unit), ks);
      double[][] t = knn.accuracy(FeatureBlock.of(test, column, unit), ks);
      List<ProbeReport.Knn> out = new ArrayList<>();
      for (int i = 0; i < ks.length; i++) {
        out.add(new ProbeReport.Knn(ks[i], temperature, v[i][0], v[i][1], t[i][0], t[i][1]));
      }
      return out;
    } finally {
      cached.forEach(JavaRDD::unpersist);
    }
  }
}
