package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.apache.spark.ml.linalg.Vectors;
import org.junit.jupiter.api.Test;

class ProbeReportTest {
  static final ProbeReport REPORT = new ProbeReport(750, 250, 500, List.of(
      new ProbeReport.Entry("pre_logits", 256, 1e-4, 0.844, 0.839, 0.992, 3.5),
      new ProbeReport.Entry("block4", 8192, 0, 0.5, 0.49, 0.8, 10)));

  @Test
  void tableLooksLikeThePapersPerLayerNumbers() {
    assertEquals(String.join(System.lineSeparator(),
        "endpoint     dims   reg     val top-1  test top-1  test top-5",
        "pre_logits    256   1e-04       84.40       83.90       99.20",
        "block4       8192   0           50.00       49.00       80.00", ""), REPORT.toTable());
  }

  @Test
  void jsonRoundTrips() {
    ProbeReport back = ProbeReport.fromJson(REPORT.toJson());
    assertEquals(REPORT.toJson(), back.toJson());
    assertEquals(8192, back.endpoint("block4").dims);
    assertEquals(500, back.testRows());
  }

  @Test
  void notAReportIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ProbeReport.fromJson("[1, 2]"));
    assertThrows(IllegalArgumentException.class, () -> REPORT.endpoint("conv"));
  }

  @Test
  void regParamsPrintShortButExact() {
    assertEquals("0", ProbeReport.formatReg(0));
    assertEquals("1e-02", ProbeReport.formatReg(1e-2));
    assertEquals("2.5e-03", ProbeReport.formatReg(2.5e-3));
  }

  @Test
  void labelRankCountsStrictlyMoreLikelyClasses() {
    assertEquals(0, LinearProbe.labelRank(Vectors.dense(0.1, 0.7, 0.2), 1));
    assertEquals(2, LinearProbe.labelRank(Vectors.dense(0.1, 0.7, 0.2), 0));
    assertEquals(0, LinearProbe.labelRank(Vectors.dense(0.5, 0.5), 1)); // ties go to the label
    assertEquals(2, LinearProbe.labelRank(Vectors.dense(0.5, 0.5), 7)); // a class the model never saw
  }
}
