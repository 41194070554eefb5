package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.SlimSchema;

/** Distributed kNN on the sample's raw pixels against a brute-force computation in doubles on the driver. */
class KnnClassifierTest {
  static final String COLUMN = RawPixelFeatures.COLUMN;

  @TempDir
  static Path work;
  static Map<String, Dataset<Row>> features;

  @BeforeAll
  static void extract() {
    Evaluation evaluation = new Evaluation(TestSpark.get(), Sample.LAYOUT, Sample.dir(), Sample.LAYOUT.readOptions(),
        Collections.emptyMap());
    features = evaluation.pixelFeatures(RawPixelProbeTest.SPEC, work.toString());
  }

  static double[][] rows(Dataset<Row> df, int[] labels) {
    List<Row> rows = df.select(SlimSchema.LABEL, COLUMN).orderBy(SlimSchema.FILE, SlimSchema.RECORD).collectAsList();
    double[][] x = new double[rows.size()][];
    for (int i = 0; i < x.length; i++) {
      labels[i] = rows.get(i).getInt(0);
      double[] v = ((Vector) rows.get(i).get(1)).toArray();
      double norm = 0;
      for (double a : v) {
        norm += a * a;
      }
      norm = Math.sqrt(norm);
      for (int j = 0; j < v.length; j++) {
        v[j] /= norm;
      }
      x[i] = v;
    }
    return x;
  }

  /** top-1 and top-5 by the definition: sort all training rows by cosine similarity, weighted vote of the first k. */
  static double[] bruteForce(double[][] train, int[] trainLabels, double[][] queries, int[] labels, int k, double t) {
    int top1 = 0;
    int top5 = 0;
    for (int q = 0; q < queries.length; q++) {
      double[] sims = new double[train.length];
      Integer[] order = new Integer[train.length];
      for (int i = 0; i < train.length; i++) {
        double s = 0;
        for (int j = 0; j < train[i].length; j++) {
          s += train[i][j] * queries[q][j];
        }
        sims[i] = s;
        order[i] = i;
      }
      java.util.Arrays.sort(order, (a, b) -> Double.compare(sims[b], sims[a]));
      double[] score = new double[10];
      for (int i = 0; i < k; i++) {
        score[trainLabels[order[i]]] += Math.exp(sims[order[i]] / t);
      }
      int higher = 0;
      for (double s : score) {
        higher += s > score[labels[q]] ? 1 : 0;
      }
      top1 += higher < 1 ? 1 : 0;
      top5 += higher < 5 ? 1 : 0;
    }
    return new double[] {top1 / (double) queries.length, top5 / (double) queries.length};
  }

  @Test
  void distributedVotesMatchBruteForceForEachK() {
    Dataset<Row> train = features.get("train");
    Dataset<Row> test = features.get("test");
    int[] ks = {1, 10, 200};
    List<ProbeReport.Knn> knn = KnnClassifier.evaluate(train, features.get("val"), test, COLUMN, ks, 0.07);
    int[] trainLabels = new int[(int) train.count()];
    double[][] tr = rows(train, trainLabels);
    int[] testLabels = new int[(int) test.count()];
    double[][] te = rows(test, testLabels);
    for (int i = 0; i < ks.length; i++) {
      double[] expected = bruteForce(tr, trainLabels, te, testLabels, ks[i], 0.07);
      ProbeReport.Knn got = knn.get(i);
      System.out.printf("k=%d: distributed %.4f / %.4f, brute force %.4f / %.4f%n", ks[i], got.testTop1,
          got.testTop5, expected[0], expected[1]);
      assertEquals(ks[i], got.k);
      // float vs double similarities may swap two near-equal neighbours: at most one test image of 500 differs
      assertEquals(expected[0], got.testTop1, 1.0 / 500 + 1e-12, "top-1 at k=" + ks[i]);
      assertEquals(expected[1], got.testTop5, 1.0 / 500 + 1e-12, "top-5 at k=" + ks[i]);
    }
    assertTrue(knn.get(1).testTop1 > 0.6, "raw pixels with 10 neighbours are far above chance");
    assertEquals(1.0, knn.get(0).testTop5 >= knn.get(0).testTop1 ? 1.0 : 0.0);
  }

  @Test
  void evaluationReportsKnnBesideTheProbeInTableAndJson() {
    Evaluation evaluation = new Evaluation(TestSpark.get(), Sample.LAYOUT, Sample.dir(), Sample.LAYOUT.readOptions(),
        Collections.emptyMap());
    ProbeReport report = evaluation.probe(features, List.of(COLUMN), new LinearProbe(new double[] {1e-2}, 20),
        new int[] {5, 20}, 0.1);
    ProbeReport.Entry e = report.endpoint(COLUMN);
    assertEquals(2, e.knn.size());
    assertEquals(20, e.knn.get(1).k);
    assertEquals(0.1, e.knn.get(1).temperature);
    assertTrue(report.toTable().contains("kNN (cosine, weighted vote, temperature 0.1)"), report.toTable());
    ProbeReport back = ProbeReport.fromJson(report.toJson());
    assertEquals(e.knn.get(0).testTop1, back.endpoint(COLUMN).knn.get(0).testTop1, 0);
    assertEquals(report.toJson(), back.toJson());
    assertEquals(1, e.fits.size());
    assertEquals(e.testTop1, e.fits.get(0).testTop1, 0);
  }

  @Test
  void heapKeepsTheKLargestAndSortsThemFirst() {
    KnnClassifier.Neighbours n = new KnnClassifier.Neighbours(2, 3);
    float[] sims = {0.1f, 0.9f, 0.5f, 0.3f, 0.95f, -0.2f, 0.6f};
    for (int i = 0; i < sims.length; i++) {
      n.offer(0, sims[i], i);
      n.offer(1, -sims[i], i);
    }
    KnnClassifier.Neighbours other = new KnnClassifier.Neighbours(2, 3);
    other.offer(0, 0.7f, 42);
    KnnClassifier.Neighbours.merge(n, other);
    n.sort();
    assertEquals(0.95f, n.sims[0]);
    assertEquals(4, n.labels[0]);
    assertEquals(0.9f, n.sims[1]);
    assertEquals(42, n.labels[2]); // 0.7 from the other partition beat 0.6
    assertEquals(0.2f, n.sims[3]);
    assertEquals(5, n.labels[3]);
    assertEquals(-0.1f, n.sims[4]);
    assertEquals(-0.3f, n.sims[5]);
  }
}
