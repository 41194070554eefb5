package org.selfsup.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.eval.FeatureStore;
import org.selfsup.eval.LinearProbe;
import org.selfsup.eval.ProbeReport;
import org.selfsup.runtime.SparkSessions;

/**
 * The linear probe's time per L2 strength on stored features, against the memory-bandwidth bound
 * and (optionally) MLlib's LogisticRegression at the strength the blocked solver picked, side by side
 * in one JVM. Usage: {@code ProbeBenchmark FEATURE_WORKDIR COLUMN REG[,REG..] MAX_ITER [mllib]}
 * where FEATURE_WORKDIR holds {@code features/{train,val,test}} as {@code evaluate} writes them.
 */
public final class ProbeBenchmark {
  private ProbeBenchmark() {}

  public static void main(String[] args) {
    String dir = args[0];
    String column = args[1];
    double[] regs = Arrays.stream(args[2].split(",")).mapToDouble(Double::parseDouble).toArray();
    int maxIter = Integer.parseInt(args[3]);
    boolean mllib = args.length > 4 && "mllib".equals(args[4]);
    SparkSession spark = SparkSessions.getOrCreate("selfsup probe benchmark");
    Dataset<Row> train = FeatureStore.read(spark, FeatureStore.path(dir, "train"));
    Dataset<Row> val = FeatureStore.read(spark, FeatureStore.path(dir, "val"));
    Dataset<Row> test = FeatureStore.read(spark, FeatureStore.path(dir, "test"));
    double[] pass = LinearProbe.streamingPass(train, column);
    System.out.printf(Locale.ROOT, "%s: %d train rows, %.0f MB of float features per pass; a read-only pass takes"
        + " %.3f s (%.1f GB/s)%n", column, train.count(), pass[1] / 1e6, pass[0], pass[1] / pass[0] / 1e9);
    ProbeReport.Entry blocked = new LinearProbe(regs, maxIter, LinearProbe.Solver.BLOCKED)
        .run(train, val, test, List.of(column)).endpoint(column);
    System.out.println("blocked solver (float blocks, BLAS, warm starts from the strongest L2):");
    System.out.println("  regParam  iterations  passes  seconds  bound(s)  val top-1  test top-1");
    for (ProbeReport.Fit f : blocked.fits) {
      System.out.printf(Locale.ROOT, "  %-8s  %10d  %6d  %7.1f  %8.1f  %9.2f  %10.2f%n", f.regParam, f.iterations,
          f.passes, f.seconds, f.passes * pass[0], 100 * f.valTop1, 100 * f.testTop1);
    }
    System.out.printf(Locale.ROOT, "  best regParam %s: test top-1 %.2f, %.1f s in all (standardising and caching"
        + " included)%n", blocked.bestRegParam, 100 * blocked.testTop1, blocked.trainSeconds);
    if (mllib) {
      ProbeReport.Entry m = new LinearProbe(new double[] {blocked.bestRegParam}, maxIter, LinearProbe.Solver.MLLIB)
          .run(train, val, test, List.of(column)).endpoint(column);
      ProbeReport.Fit f = m.fits.get(0);
      System.out.printf(Locale.ROOT, "MLlib LogisticRegression at regParam %s: %d iterations, %.1f s, val top-1 %.2f,"
          + " test top-1 %.2f%n", f.regParam, f.iterations, f.seconds, 100 * f.valTop1, 100 * f.testTop1);
      ProbeReport.Fit same = blocked.fits.stream().filter(b -> b.regParam == f.regParam).findFirst().get();
      System.out.printf(Locale.ROOT, "blocked / MLlib at that strength: %.1fx faster, test top-1 %+.2f points%n",
          f.seconds / same.seconds, 100 * (same.testTop1 - f.testTop1));
    }
    spark.stop();
  }
}
