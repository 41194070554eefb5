package org.selfsup.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.selfsup.eval.ProbeReport;

class CompareCommandTest {
  @Test
  void theBestLayerIsPickedOnValNotOnTest(@TempDir Path tmp) {
    // block3 has the better test top-1, pre_logits the better val top-1: the table shows pre_logits
    new ProbeReport(100, 50, 200, List.of(
        new ProbeReport.Entry("pre_logits", 256, 1e-3, 0.90, 0.80, 0.99, 1),
        new ProbeReport.Entry("block3", 4096, 1e-3, 0.85, 0.88, 0.99, 1)))
        .writeJson(new Configuration(), tmp.resolve("eval-relative_patch_location.json").toString());
    CommandLineTest.Run r = CommandLineTest.run("compare", "--workdir", tmp.toString());
    assertEquals(0, r.code, r.err);
    List<String> lines = r.out.strip().lines().collect(java.util.stream.Collectors.toList());
    assertEquals(2, lines.size(), r.out);
    assertTrue(lines.get(1).matches("relative_patch_location +pre_logits +256 +80\\.00 +99\\.00"), lines.get(1));
    assertEquals(lines.get(0).indexOf("best layer"), lines.get(1).indexOf("pre_logits"), "columns line up");
  }
}
