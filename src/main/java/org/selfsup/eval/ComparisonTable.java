package org.selfsup.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.selfsup.runtime.UserError;

/** The linear evaluations of a workdir (its eval-*.json reports) side by side: best top-1 per run. */
public final class ComparisonTable {
  private ComparisonTable() {}

  /** The table's lines, header first; a UserError naming the folder when it holds no report. */
  public static List<String> of(Configuration conf, String workdir) throws IOException {
    Path dir = new Path(workdir);
    FileSystem fs = HadoopFiles.of(dir, conf);
    FileStatus[] found = fs.exists(dir) ? fs.globStatus(new Path(dir, "eval-*.json")) : null;
    if (found == null || found.length == 0) {
      throw new UserError("no eval-*.json reports in " + workdir + " (run evaluate first)");
    }
    List<String[]> rows = new ArrayList<>();
    int width = "run".length();
    for (FileStatus f : found) {
      String name = f.getPath().getName().replaceFirst("^eval-", "").replaceFirst("\\.json$", "");
      ProbeReport report = ProbeReport.readJson(conf, f.getPath().toString());
      // the best layer is picked on val, like the regularisation strength, so test stays unseen
      ProbeReport.Entry best = null;
      for (ProbeReport.Entry e : report.endpoints()) {
        if (best == null || e.valTop1 > best.valTop1) {
          best = e;
        }
      }
      UserError.require(best != null, f.getPath() + " holds no endpoint results");
      width = Math.max(width, name.length());
      rows.add(new String[] {name, best.endpoint, Integer.toString(best.dims),
          String.format(Locale.ROOT, "%.2f", 100 * best.testTop1), String.format(Locale.ROOT, "%.2f", 100 * best.testTop5)});
    }
    String format = "%-" + width + "s %-12s %6s %10s %10s";
    List<String> lines = new ArrayList<>();
    lines.add(String.format(Locale.ROOT, format, "run", "best layer", "dims", "test top-1", "test top-5"));
    for (String[] r : rows) {
      lines.add(String.format(Locale.ROOT, format, (Object[]) r));
    }
    return lines;
  }
}
