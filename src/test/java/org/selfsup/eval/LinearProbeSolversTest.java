package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Matrix;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.SlimSchema;

/** The blocked solver against MLlib's LogisticRegression on the sample's raw pixels (784 dims, 10 classes). */
class LinearProbeSolversTest {
  static final String COLUMN = RawPixelFeatures.COLUMN;

  @TempDir
  static Path work;
  static SparkSession spark;
  static Map<String, Dataset<Row>> features;

  @BeforeAll
  static void extract() {
    spark = TestSpark.get();
    Evaluation evaluation = new Evaluation(spark, Sample.LAYOUT, Sample.dir(), Sample.LAYOUT.readOptions(),
        Collections.emptyMap());
    features = evaluation.pixelFeatures(RawPixelProbeTest.SPEC, work.toString());
  }

  @Test
  void blockedSolverReachesMllibsObjectiveOrLower() {
    Dataset<Row> train = features.get("train");
    double reg = 1e-2;
    LogisticRegressionModel mllib = new LogisticRegression().setFamily("multinomial").setElasticNetParam(0)
        .setStandardization(true).setMaxIter(100).setRegParam(reg).setFeaturesCol(COLUMN)
        .setLabelCol(SlimSchema.LABEL).fit(train);
    Standardizer standardizer = Standardizer.fit(train, COLUMN);
    JavaRDD<FeatureBlock> blocks = FeatureBlock.of(train, COLUMN, standardizer).cache();
    int d = 784;
    int k = 10;
    long n = train.count();
    SoftmaxRegression sr = new SoftmaxRegression(blocks, d, k, n);
    // MLlib's coefficients are on the original scale: w_std = w * std, b_std = b + w . mean
    double[] mean = new double[d];
    double[] std = new double[d];
    Row stats = train.select(org.apache.spark.ml.stat.Summarizer.metrics("mean", "std")
        .summary(org.apache.spark.sql.functions.col(COLUMN)).as("s")).select("s.mean", "s.std").first();
    System.arraycopy(((org.apache.spark.ml.linalg.Vector) stats.get(0)).toArray(), 0, mean, 0, d);
    System.arraycopy(((org.apache.spark.ml.linalg.Vector) stats.get(1)).toArray(), 0, std, 0, d);
    Matrix w = mllib.coefficientMatrix();
    double[] mapped = new double[d * k + k];
    for (int c = 0; c < k; c++) {
      double b = mllib.interceptVector().apply(c);
      for (int j = 0; j < d; j++) {
        mapped[j + c * d] = w.apply(c, j) * std[j];
        b += w.apply(c, j) * mean[j];
      }
      mapped[d * k + c] = b;
    }
    double mllibObjective = sr.evaluate(mapped, new double[mapped.length], reg);
    double[] start = new double[d * k + k];
    Lbfgs.Result ours = new Lbfgs(10, 100, 1e-6).minimize((x, g) -> sr.evaluate(x, g, reg), start);
    System.out.printf("objective: MLlib %.6f, blocked %.6f (%d iterations, %d passes)%n", mllibObjective,
        ours.value, ours.iterations, ours.evaluations);
    assertTrue(ours.value <= mllibObjective * (1 + 1e-3), ours.value + " vs MLlib's " + mllibObjective);
    // and the two models agree on almost every test image
    double mllibTop1 = LinearProbe.topK(mllib, features.get("test"), 1)[0];
    Standardizer same = standardizer;
    JavaRDD<FeatureBlock> test = FeatureBlock.of(features.get("test"), COLUMN, same);
    double oursTop1 = SoftmaxRegression.topK(test, ours.x, d, k, 1)[0];
    assertEquals(mllibTop1, oursTop1, 0.02, "test top-1 MLlib " + mllibTop1 + ", blocked " + oursTop1);
    blocks.unpersist();
  }

  @Test
  void bothSolversPickTheSameStrengthAndScoreAlike() {
    double[] grid = {1e-3, 1e-2, 1e-1};
    List<String> columns = List.of(COLUMN);
    ProbeReport.Entry blocked = new LinearProbe(grid, 100, LinearProbe.Solver.BLOCKED)
        .run(features.get("train"), features.get("val"), features.get("test"), columns).endpoint(COLUMN);
    ProbeReport.Entry mllib = new LinearProbe(grid, 100, LinearProbe.Solver.MLLIB)
        .run(features.get("train"), features.get("val"), features.get("test"), columns).endpoint(COLUMN);
    System.out.printf("blocked: reg %s val %.4f test %.4f / %.4f; MLlib: reg %s val %.4f test %.4f / %.4f%n",
        blocked.bestRegParam, blocked.valTop1, blocked.testTop1, blocked.testTop5, mllib.bestRegParam,
        mllib.valTop1, mllib.testTop1, mllib.testTop5);
    assertEquals(mllib.testTop1, blocked.testTop1, 0.02);
    assertEquals(mllib.valTop1, blocked.valTop1, 0.02);
    assertEquals(mllib.testTop5, blocked.testTop5, 0.01);
    assertEquals(784, blocked.dims);
  }
}
