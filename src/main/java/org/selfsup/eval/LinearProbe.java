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
import org.apache.spark.api.java.JavaRDD;
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
 * <p>Two solvers minimise the same objective. {@link Solver#BLOCKED} (the default) standardises
 * the features once into cached float blocks and runs L-BFGS over them with BLAS matrix products
 * ({@link SoftmaxRegression}), walking the grid from the strongest L2 to the weakest, each fit
 * starting where the previous one ended. {@link Solver#MLLIB} fits MLlib's
 * {@code LogisticRegression} per regParam from scratch (doubles, its own caching): the reference
 * the blocked solver is tested against, and about 10x slower on wide features (docs/results.md).
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

  /** How the regression is fitted. */
  public enum Solver {
    BLOCKED, MLLIB
  }

  /** L-BFGS history length and relative tolerance: MLlib's settings for its logistic regression. */
  private static final int LBFGS_MEMORY = 10;
  private static final double TOLERANCE = 1e-6;

  private final double[] regParams;
  private final int maxIter;
  private final Solver solver;

  /** The paper's grid {0, 1e-4, 1e-3, 1e-2}, 100 iterations. */
  public LinearProbe() {
    this(DEFAULT_REG_PARAMS, DEFAULT_MAX_ITER);
  }

  public LinearProbe(double[] regParams, int maxIter) {
    this(regParams, maxIter, Solver.BLOCKED);
  }

  public LinearProbe(double[] regParams, int maxIter, Solver solver) {
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
    this.solver = solver;
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
    LOG.info("linear probe on {} train, {} val, {} test rows; regParams {}, maxIter {}, solver {}", nTrain, nVal,
        nTest, Arrays.toString(regParams), maxIter, solver);
    List<ProbeReport.Entry> entries = new ArrayList<>();
    for (String c : featureColumns) {
      if (solver == Solver.BLOCKED) {
        entries.add(probeBlocked(c, train, val, test, nTrain));
        continue;
      }
      List<Dataset<Row>> cached = new ArrayList<>();
      try {
        entries.add(probe(c, cacheColumn(train, c, cached), cacheColumn(val, c, cached), cacheColumn(test, c, cached)));
      } finally {
        cached.forEach(Dataset::unpersist);
      }
    }
    return new ProbeReport(nTrain, nVal, nTest, entries);
  }

  private ProbeReport.Entry probeBlocked(String column, Dataset<Row> train, Dataset<Row> val, Dataset<Row> test,
      long nTrain) {
    long t0 = System.nanoTime();
    int dims = FeatureBlock.dims(train, column);
    List<JavaRDD<FeatureBlock>> cached = new ArrayList<>();
    try {
      // one read of the stored features: as they are into cached blocks, statistics from those, then standardised
      JavaRDD<FeatureBlock> raw = FeatureBlock.of(train, column, FeatureBlock.asIs(dims))
          .persist(StorageLevel.MEMORY_AND_DISK());
      Standardizer standardizer = Standardizer.fit(raw, dims);
      JavaRDD<FeatureBlock> trainBlocks = cache(raw.map(standardizer::standardise), cached);
      trainBlocks.count();
      raw.unpersist();
      JavaRDD<FeatureBlock> valBlocks = cache(FeatureBlock.of(val, column, standardizer), cached);
      JavaRDD<FeatureBlock> testBlocks = cache(FeatureBlock.of(test, column, standardizer), cached);
      long[] classCounts = classCounts(trainBlocks, column);
      int classes = classCounts.length;
      SoftmaxRegression regression = new SoftmaxRegression(trainBlocks, dims, classes, nTrain);
      double prepare = (System.nanoTime() - t0) / 1e9;
      LOG.info("probe {}: {} x {} standardised into float blocks ({} MB), {} classes, BLAS {}, {} s", column, nTrain,
          dims, String.format(Locale.ROOT, "%.0f", 4.0 * nTrain * dims / 1e6), classes, SoftmaxRegression.blasName(),
          String.format(Locale.ROOT, "%.1f", prepare));
      Double[] order = Arrays.stream(regParams).boxed().sorted((a, b) -> Double.compare(b, a)).toArray(Double[]::new);
      double[] x = regression.start(classCounts);
      double bestReg = Double.NaN;
      double bestVal = -1;
      double[] bestTest = null;
      double seconds = prepare;
      List<ProbeReport.Fit> fits = new ArrayList<>();
      for (double reg : order) {
        long t1 = System.nanoTime();
        int before = regression.evaluations();
        Lbfgs.Result fit = new Lbfgs(LBFGS_MEMORY, maxIter, TOLERANCE)
            .minimize((w, g) -> regression.evaluate(w, g, reg), x);
        x = fit.x;
        double s = (System.nanoTime() - t1) / 1e9;
        seconds += s;
        double[] v = SoftmaxRegression.topK(valBlocks, x, dims, classes, 1, 5);
        double[] t = SoftmaxRegression.topK(testBlocks, x, dims, classes, 1, 5);
        int passes = regression.evaluations() - before;
        fits.add(new ProbeReport.Fit(reg, v[0], v[1], t[0], t[1], fit.iterations, passes, s));
        LOG.info("probe {} regParam {}: val top-1 {} ({} iterations, {} passes, {} s)", column,
            ProbeReport.formatReg(reg), String.format(Locale.ROOT, "%.2f%%", 100 * v[0]), fit.iterations, passes,
            String.format(Locale.ROOT, "%.1f", s));
        if (v[0] > bestVal || (v[0] == bestVal && indexOf(reg) < indexOf(bestReg))) {
          bestReg = reg;
          bestVal = v[0];
          bestTest = t;
        }
      }
      double[] t = bestTest;
      LOG.info("probe {}: best regParam {}, test top-1 {}, top-5 {}", column, ProbeReport.formatReg(bestReg),
          String.format(Locale.ROOT, "%.2f%%", 100 * t[0]), String.format(Locale.ROOT, "%.2f%%", 100 * t[1]));
      return new ProbeReport.Entry(column, dims, bestReg, bestVal, t[0], t[1], seconds, fits);
    } finally {
      cached.forEach(JavaRDD::unpersist);
    }
  }

  /**
   * The floor under one objective evaluation: seconds of the fastest of three passes that only read
   * the cached standardised training blocks (BLAS sasum over each), with the bytes read. A fit's
   * passes times this is the time it would take were it bound by memory bandwidth alone.
   */
  public static double[] streamingPass(Dataset<Row> train, String column) {
    JavaRDD<FeatureBlock> blocks = FeatureBlock.of(train, column, Standardizer.fit(train, column))
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long bytes = blocks.map(FeatureBlock::bytes).reduce(Long::sum);
      double best = Double.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        blocks.map(b -> (double) dev.ludovic.netlib.blas.BLAS.getInstance().sasum(b.x.length, b.x, 1))
            .reduce(Double::sum);
        best = Math.min(best, (System.nanoTime() - t0) / 1e9);
      }
      return new double[] {best, bytes};
    } finally {
      blocks.unpersist();
    }
  }

  /** Ties on val go to the regParam listed first in the grid, as the MLlib solver's loop keeps it. */
  private int indexOf(double reg) {
    for (int i = 0; i < regParams.length; i++) {
      if (regParams[i] == reg) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }

  private static JavaRDD<FeatureBlock> cache(JavaRDD<FeatureBlock> blocks, List<JavaRDD<FeatureBlock>> cached) {
    blocks.persist(StorageLevel.MEMORY_AND_DISK());
    cached.add(blocks);
    return blocks;
  }

  /** Rows per class of train (classes = the largest label + 1); a negative label is a UserError. */
  private static long[] classCounts(JavaRDD<FeatureBlock> blocks, String column) {
    long[] counts = blocks.map(b -> {
      int max = -1;
      for (int l : b.labels) {
        if (l < 0) {
          throw new UserError("the train features of '" + column + "' have a negative label (" + l + ")");
        }
        max = Math.max(max, l);
      }
      long[] c = new long[max + 1];
      for (int l : b.labels) {
        c[l]++;
      }
      return c;
    }).reduce((a, b) -> {
      long[] s = new long[Math.max(a.length, b.length)];
      for (int i = 0; i < a.length; i++) {
        s[i] += a[i];
      }
      for (int i = 0; i < b.length; i++) {
        s[i] += b[i];
      }
      return s;
    });
    return counts;
  }

  private ProbeReport.Entry probe(String column, Dataset<Row> train, Dataset<Row> val, Dataset<Row> test) {
    int dims = ((Vector) train.select(column).first().get(0)).size();
    double bestReg = Double.NaN;
    double bestVal = -1;
    double[] bestTest = null;
    double seconds = 0;
    List<ProbeReport.Fit> fits = new ArrayList<>();
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
      double[] v = topK(m, val, 1, 5);
      double[] t = topK(m, test, 1, 5);
      int iterations = m.summary().totalIterations();
      fits.add(new ProbeReport.Fit(reg, v[0], v[1], t[0], t[1], iterations, 0, s));
      LOG.info("probe {} regParam {}: val top-1 {} ({} iterations, {} s)", column, ProbeReport.formatReg(reg),
          String.format(Locale.ROOT, "%.2f%%", 100 * v[0]), iterations, String.format(Locale.ROOT, "%.1f", s));
      if (v[0] > bestVal) {
        bestReg = reg;
        bestVal = v[0];
        bestTest = t;
      }
    }
    LOG.info("probe {}: best regParam {}, test top-1 {}, top-5 {}", column, ProbeReport.formatReg(bestReg),
        String.format(Locale.ROOT, "%.2f%%", 100 * bestTest[0]), String.format(Locale.ROOT, "%.2f%%", 100 * bestTest[1]));
    return new ProbeReport.Entry(column, dims, bestReg, bestVal, bestTest[0], bestTest[1], seconds, fits);
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
