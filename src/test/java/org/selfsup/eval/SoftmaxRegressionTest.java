package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.selfsup.TestSpark;

/** The distributed objective against a plain double-precision computation of the same formula. */
class SoftmaxRegressionTest {
  static final int D = 5;
  static final int K = 3;

  /** 37 rows in blocks of 7, 1, 13 and 16 rows over 3 partitions. */
  static List<FeatureBlock> blocks(Random r) {
    List<FeatureBlock> out = new ArrayList<>();
    for (int rows : new int[] {7, 1, 13, 16}) {
      float[] x = new float[rows * D];
      int[] labels = new int[rows];
      for (int i = 0; i < x.length; i++) {
        x[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < rows; i++) {
        labels[i] = r.nextInt(K);
      }
      out.add(new FeatureBlock(rows, D, x, labels));
    }
    return out;
  }

  /** mean cross-entropy + reg/2 |W|^2 and its gradient, straight from the definition. */
  static double reference(List<FeatureBlock> blocks, double[] w, double reg, double[] grad) {
    java.util.Arrays.fill(grad, 0);
    double loss = 0;
    int n = 0;
    for (FeatureBlock b : blocks) {
      for (int i = 0; i < b.rows; i++, n++) {
        double[] z = new double[K];
        for (int c = 0; c < K; c++) {
          z[c] = w[D * K + c];
          for (int j = 0; j < D; j++) {
            z[c] += w[j + c * D] * b.x[i * D + j];
          }
        }
        double norm = 0;
        for (int c = 0; c < K; c++) {
          norm += Math.exp(z[c]);
        }
        loss -= Math.log(Math.exp(z[b.labels[i]]) / norm);
        for (int c = 0; c < K; c++) {
          double delta = Math.exp(z[c]) / norm - (c == b.labels[i] ? 1 : 0);
          grad[D * K + c] += delta;
          for (int j = 0; j < D; j++) {
            grad[j + c * D] += delta * b.x[i * D + j];
          }
        }
      }
    }
    double penalty = 0;
    for (int i = 0; i < grad.length; i++) {
      grad[i] /= n;
      if (i < D * K) {
        grad[i] += reg * w[i];
        penalty += w[i] * w[i];
      }
    }
    return loss / n + 0.5 * reg * penalty;
  }

  @Test
  void objectiveAndGradientMatchTheDefinition() {
    Random r = new Random(3);
    List<FeatureBlock> blocks = blocks(r);
    JavaRDD<FeatureBlock> rdd = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()).parallelize(blocks, 3);
    SoftmaxRegression sr = new SoftmaxRegression(rdd, D, K, 37);
    double[] w = new double[D * K + K];
    for (int i = 0; i < w.length; i++) {
      w[i] = 0.5 * r.nextGaussian();
    }
    double[] g = new double[w.length];
    double[] gRef = new double[w.length];
    double f = sr.evaluate(w, g, 0.3);
    double fRef = reference(blocks, w, 0.3, gRef);
    assertEquals(fRef, f, 1e-5 * Math.abs(fRef));
    assertArrayEquals(gRef, g, 1e-5);
    assertEquals(1, sr.evaluations());
  }

  @Test
  void fittedModelIsAStationaryPointAndTopKCountsRanks() {
    Random r = new Random(11);
    List<FeatureBlock> blocks = blocks(r);
    JavaRDD<FeatureBlock> rdd = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()).parallelize(blocks, 3);
    SoftmaxRegression sr = new SoftmaxRegression(rdd, D, K, 37);
    Lbfgs.Result fit = new Lbfgs(10, 200, 0).minimize((w, g) -> sr.evaluate(w, g, 0.1), new double[D * K + K]);
    double[] gRef = new double[fit.x.length];
    reference(blocks, fit.x, 0.1, gRef);
    for (double v : gRef) {
      assertEquals(0, v, 1e-4);
    }
    // top-1 and top-3 by hand from the reference logits
    int top1 = 0;
    int top2 = 0;
    for (FeatureBlock b : blocks) {
      for (int i = 0; i < b.rows; i++) {
        double[] z = new double[K];
        for (int c = 0; c < K; c++) {
          z[c] = fit.x[D * K + c];
          for (int j = 0; j < D; j++) {
            z[c] += fit.x[j + c * D] * b.x[i * D + j];
          }
        }
        int higher = 0;
        for (int c = 0; c < K; c++) {
          higher += z[c] > z[b.labels[i]] ? 1 : 0;
        }
        top1 += higher < 1 ? 1 : 0;
        top2 += higher < 2 ? 1 : 0;
      }
    }
    double[] acc = SoftmaxRegression.topK(rdd, fit.x, D, K, 1, 2, 3);
    assertEquals(top1 / 37.0, acc[0], 1e-12);
    assertEquals(top2 / 37.0, acc[1], 1e-12);
    assertEquals(1.0, acc[2], 1e-12);
  }

  @Test
  void rankTiesGoToTheLabelAndUnknownLabelsRankLast() {
    float[] z = {0.1f, 0.7f, 0.2f, 0.5f, 0.5f};
    assertEquals(0, SoftmaxRegression.rank(z, 0, 3, 1));
    assertEquals(2, SoftmaxRegression.rank(z, 0, 3, 0));
    assertEquals(0, SoftmaxRegression.rank(z, 3, 2, 1));
    assertEquals(2, SoftmaxRegression.rank(z, 3, 2, 7));
  }
}
