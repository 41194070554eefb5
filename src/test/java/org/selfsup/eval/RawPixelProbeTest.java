package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.TestSpark;
import org.selfsup.data.DatasetLayout;

/** Raw pixels → Parquet → linear probe on the committed Fashion-MNIST sample. */
class RawPixelProbeTest {
  static final String SPEC = "decode(1)|value_range(0,1)";
  static final List<String> COLUMNS = List.of(RawPixelFeatures.COLUMN);

  @TempDir
  static Path work;
  static SparkSession spark;
  static ProbeReport report;

  @BeforeAll
  static void probe() {
    spark = TestSpark.get();
    // two regParams and 50 iterations keep the test short; the paper's grid is LinearProbe's default
    LinearProbe probe = new LinearProbe(new double[] {1e-3, 1e-2}, 50);
    Evaluation evaluation = new Evaluation(spark, Sample.LAYOUT, Sample.dir(), Sample.LAYOUT.readOptions(),
        java.util.Collections.emptyMap());
    report = evaluation.probe(evaluation.pixelFeatures(SPEC, work.toString()), COLUMNS, probe);
    report.writeJson(spark.sparkContext().hadoopConfiguration(), work.resolve("probe.json").toString());
    System.out.println(report.toTable());
  }

  static Dataset<Row> features(String split) {
    return FeatureStore.read(spark, FeatureStore.path(work.toString(), split));
  }

  @Test
  void storedFeaturesHaveLabelAndA784PixelVector() {
    Dataset<Row> train = features(DatasetLayout.TRAIN);
    assertEquals(750, train.count());
    assertEquals(SQLDataTypes.VectorType(), train.schema().apply(RawPixelFeatures.COLUMN).dataType());
    Row r = train.first();
    Vector v = r.getAs(RawPixelFeatures.COLUMN);
    assertEquals(784, v.size());
    assertTrue(Arrays.stream(v.toArray()).allMatch(x -> x >= 0 && x <= 1));
    assertTrue(Arrays.stream(v.toArray()).anyMatch(x -> x > 0.5), "a Fashion-MNIST item has bright pixels");
  }

  @Test
  void rawPixelsBeatChanceByFar() {
    ProbeReport.Entry e = report.endpoint(RawPixelFeatures.COLUMN);
    assertEquals(784, e.dims);
    assertEquals(750, report.trainRows());
    assertEquals(250, report.valRows());
    assertEquals(500, report.testRows());
    assertTrue(e.testTop1 > 0.65, "test top-1 " + e.testTop1);
    assertTrue(e.valTop1 > 0.65, "val top-1 " + e.valTop1);
    assertTrue(e.testTop5 >= e.testTop1);
    assertTrue(e.testTop5 > 0.9, "test top-5 " + e.testTop5);
    assertTrue(e.bestRegParam == 1e-3 || e.bestRegParam == 1e-2, "regParam " + e.bestRegParam);
    assertTrue(e.trainSeconds > 0);
  }

  @Test
  void reportRoundTripsThroughJsonAndAFile() {
    ProbeReport back = ProbeReport.fromJson(report.toJson());
    assertEquals(report.toJson(), back.toJson());
    ProbeReport.Entry a = report.endpoint(RawPixelFeatures.COLUMN);
    ProbeReport.Entry b = back.endpoint(RawPixelFeatures.COLUMN);
    assertEquals(a.testTop1, b.testTop1, 0);
    assertEquals(a.bestRegParam, b.bestRegParam, 0);

    String written = work.resolve("probe.json").toString();
    assertEquals(report.toJson(), ProbeReport.readJson(spark.sparkContext().hadoopConfiguration(), written).toJson());
    String file = work.resolve("copy/probe.json").toUri().toString();
    report.writeJson(spark.sparkContext().hadoopConfiguration(), file);
    assertEquals(report.toJson(), ProbeReport.readJson(spark.sparkContext().hadoopConfiguration(), file).toJson());
  }

  @Test
  void tableHasAHeaderAndOneLinePerEndpoint() {
    String[] lines = report.toTable().split("\n");
    assertEquals(2, lines.length);
    assertTrue(lines[0].startsWith("endpoint"));
    assertTrue(lines[1].startsWith("pixels "));
    assertTrue(lines[1].contains(String.format(java.util.Locale.ROOT, "%.2f",
        100 * report.endpoint(RawPixelFeatures.COLUMN).testTop1)));
  }

  @Test
  void anEmptySplitIsNamed() {
    Dataset<Row> train = features(DatasetLayout.TRAIN);
    Dataset<Row> empty = train.limit(0);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LinearProbe().run(train, empty, train, COLUMNS));
    assertTrue(e.getMessage().contains("val split"), e.getMessage());
  }

  @Test
  void aMissingFeatureColumnIsNamed() {
    Dataset<Row> train = features(DatasetLayout.TRAIN);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LinearProbe().run(train, train, train, List.of("conv")));
    assertTrue(e.getMessage().contains("'conv'"), e.getMessage());
  }
}
