package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.selfsup.TestSpark;

class StandardizerTest {
  @Test
  void blockStatisticsEqualTheTwoPassDefinitionAndStandardiseToZeroMeanUnitStd() {
    Random r = new Random(5);
    List<FeatureBlock> blocks = SoftmaxRegressionTest.blocks(r);
    int d = SoftmaxRegressionTest.D;
    // shift and scale the columns so that a naive sum-of-squares formula would lose digits
    for (FeatureBlock b : blocks) {
      for (int i = 0; i < b.x.length; i++) {
        b.x[i] = 1000 + 3 * (1 + i % d) * b.x[i];
      }
      for (int i = 0; i < b.rows; i++) {
        b.x[i * d + 4] = 7; // a constant column becomes 0
      }
    }
    JavaRDD<FeatureBlock> rdd = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()).parallelize(blocks, 3);
    Standardizer s = Standardizer.fit(rdd, d);
    double[] mean = new double[d];
    double[] var = new double[d];
    int n = 0;
    for (FeatureBlock b : blocks) {
      for (int i = 0; i < b.rows; i++, n++) {
        for (int j = 0; j < d; j++) {
          mean[j] += b.x[i * d + j];
        }
      }
    }
    for (int j = 0; j < d; j++) {
      mean[j] /= n;
    }
    for (FeatureBlock b : blocks) {
      for (int i = 0; i < b.rows; i++) {
        for (int j = 0; j < d; j++) {
          var[j] += Math.pow(b.x[i * d + j] - mean[j], 2) / (n - 1);
        }
      }
    }
    double[] sum = new double[d];
    double[] sq = new double[d];
    for (FeatureBlock b : blocks) {
      FeatureBlock z = s.standardise(b);
      for (int i = 0; i < z.rows; i++) {
        for (int j = 0; j < d; j++) {
          double expected = var[j] > 0 ? (b.x[i * d + j] - mean[j]) / Math.sqrt(var[j]) : 0;
          assertEquals(expected, z.x[i * d + j], 1e-4, "row " + i + " column " + j);
          sum[j] += z.x[i * d + j];
          sq[j] += z.x[i * d + j] * z.x[i * d + j];
        }
      }
    }
    for (int j = 0; j < 4; j++) {
      assertEquals(0, sum[j] / n, 1e-5);
      assertEquals(1, sq[j] / (n - 1), 1e-4);
    }
    assertEquals(0, sq[4], 0);
  }
}
