package org.selfsup.eval;

import org.selfsup.runtime.UserError;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.classification.LogisticRegressionModel;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.storage.StorageLevel;
import org.selfsup.data.SlimSchema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The paper's linear evaluation: per feature column, a multinomial logistic regression (L2 only,
 * standardised features) is fitted on train for each regParam of a grid; the one with the best
 * val top-1 is kept and scored on test. That model is used as is: it is <b>not</b> refitted on
 * train + val.
 *
 * <p>Top-k counts a row as right when fewer than k classes have a strictly higher probability
 * than its true label (ties go to the label).
 */
public final class LinearProbe {
  private static final Logger LOG = LoggerFactory.getLogger(LinearProbe.class);

  public static final double[] DEFAULT_REG_PARAMS = {0, 1e-4, 1e-3, 1e-2};
  public static final int DEFAULT_MAX_ITER = 100;

  private static final String RANK = "label_rank";
  private static final UserDefinedFunction LABEL_RANK = udf(
      (UDF2<Vector, Integer, Integer>) LinearProbe::labelRank, DataTypes.IntegerType);

  private final double[] regParams;
  private final int maxIter;

  /** The paper's grid {0, 1e-4, 1e-3, 1e-2}, 100 iterations. */
  public LinearProbe() {
    this(DEFAULT_REG_PARAMS, DEFAULT_MAX_ITER);
  }

  public LinearProbe(double[] regParams, int maxIter) {
    if (regParams == null || regParams.length == 0) {
      throw new UserError("the regParam grid is empty");
    }
    for (double r : regParams) {
      if (!(r >= 0)) {
        throw new UserError("regParam must be >= 0, got " + r);
      }
    }
    if (maxIter <= 0) {
      throw new UserError("maxIter must be positive, got " + maxIter);
    }
    this.regParams = regParams.clone();
    this.maxIter = maxIter;
  }

  /**
   * Probes each feature column; the DataFrames need {@code label} and those vector columns.
   * One column at a time is read and cached (label + that column), then released: caching every
   * endpoint at once held ~5 GB of doubles for 57,500 training rows and ran a 6 GB driver out of heap.
   *
   * @throws UserError when a split has no rows (naming it) or lacks a column
   */
  public ProbeReport run(Dataset<Row> train, Dataset<Row> val, Dataset<Row> test, List<String> featureColumns) {
    if (featureColumns == null || featureColumns.isEmpty()) {
      throw new IllegalArgumentException("no feature columns to probe");
    }
    check("train", train, featureColumns);
    check("val", val, featureColumns);
    check("test", test, featureColumns);
    long nTrain = nonEmpty("train", train);
    long nVal = nonEmpty("val", val);
    long nTest = nonEmpty("test", test);
    LOG.info("linear probe on {} train, {} val, {} test rows; regParams {}, maxIter {}", nTrain, nVal, nTest,
        Arrays.toString(regParams), maxIter);
    List<ProbeReport.Entry> entries = new ArrayList<>();
    for (String c : featureColumns) {
      List<Dataset<Row>> cached = new ArrayList<>();
      try {
        entries.add(probe(c, cacheColumn(train, c, cached), cacheColumn(val, c, cached), cacheColumn(test, c, cached)));
      } finally {
        cached.forEach(Dataset::unpersist);
      }
    }
    return new ProbeReport(nTrain, nVal, nTest, entries);
  }

  private ProbeReport.Entry probe(String column, Dataset<Row> train, Dataset<Row> val, Dataset<Row> test) {
    int dims = ((Vector) train.select(column).first().get(0)).size();
    LogisticRegressionModel best = null;
    double bestReg = Double.NaN;
    double bestVal = -1;
    double seconds = 0;
    for (double reg : regParams) {
      LogisticRegression lr = new LogisticRegression()
          .setFamily("multinomial")
          .setElasticNetParam(0)
          .setStandardization(true)
          .setMaxIter(maxIter)
          .setRegParam(reg)
          .setFeaturesCol(column)
          .setLabelCol(SlimSchema.LABEL);
      long t0 = System.nanoTime();
      LogisticRegressionModel m = lr.fit(train);
      double s = (System.nanoTime() - t0) / 1e9;
      seconds += s;
      double valTop1 = topK(m, val, 1)[0];
      LOG.info("probe {} regParam {}: val top-1 {} ({} iterations, {} s)", column, ProbeReport.formatReg(reg),
          String.format(Locale.ROOT, "%.2f%%", 100 * valTop1), m.summary().totalIterations(),
          String.format(Locale.ROOT, "%.1f", s));
      if (valTop1 > bestVal) {
        best = m;
        bestReg = reg;
        bestVal = valTop1;
      }
    }
    double[] t = topK(best, test, 1, 5);
    LOG.info("probe {}: best regParam {}, test top-1 {}, top-5 {}", column, ProbeReport.formatReg(bestReg),
        String.format(Locale.ROOT, "%.2f%%", 100 * t[0]), String.format(Locale.ROOT, "%.2f%%", 100 * t[1]));
    return new ProbeReport.Entry(column, dims, bestReg, bestVal, t[0], t[1], seconds);
  }

  /** Top-k accuracies of a model on a split, one per k, in one pass. */
  static double[] topK(LogisticRegressionModel m, Dataset<Row> split, int... ks) {
    Dataset<Row> ranked = m.transform(split)
        .select(LABEL_RANK.apply(col(m.getProbabilityCol()), col(SlimSchema.LABEL)).as(RANK));
    org.apache.spark.sql.Column[] aggs = new org.apache.spark.sql.Column[ks.length];
    for (int i = 0; i < ks.length; i++) {
      aggs[i] = avg(when(col(RANK).lt(ks[i]), 1.0).otherwise(0.0));
    }
    Row r = ranked.agg(aggs[0], Arrays.copyOfRange(aggs, 1, aggs.length)).first();
    double[] out = new double[ks.length];
    for (int i = 0; i < ks.length; i++) {
      out[i] = r.getDouble(i);
    }
    return out;
  }

  /** How many classes have a strictly higher probability than the label; a label outside the vector ranks last. */
  static int labelRank(Vector probability, int label) {
    int n = probability.size();
    if (label < 0 || label >= n) {
      return n;
    }
    double p = probability.apply(label);
    int rank = 0;
    for (int i = 0; i < n; i++) {
      if (probability.apply(i) > p) {
        rank++;
      }
    }
    return rank;
  }

  private static void check(String split, Dataset<Row> df, List<String> columns) {
    List<String> have = Arrays.asList(df.columns());
    List<String> need = new ArrayList<>(columns);
    need.add(0, SlimSchema.LABEL);
    for (String c : need) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("the " + split + " features have no column '" + c + "'; they have: "
            + String.join(", ", have));
      }
    }
  }

  /** label + one feature column, cached unless the input already is. */
  private static Dataset<Row> cacheColumn(Dataset<Row> df, String column, List<Dataset<Row>> cached) {
    if (!df.storageLevel().equals(StorageLevel.NONE())) {
      return df;
    }
    Dataset<Row> c = df.select(SlimSchema.LABEL, column).persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(c);
    return c;
  }

  private static long nonEmpty(String split, Dataset<Row> df) {
    long n = df.count();
    if (n == 0) {
      throw new UserError("the " + split + " split has no rows; the linear probe needs train, val"
          + " and test rows");
    }
    return n;
  }
}
