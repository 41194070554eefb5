package org.selfsup.eval;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.selfsup.metrics.ProbeComparisonChart;
import org.selfsup.runtime.UserError;

/** The linear evaluations of a workdir (its eval-*.json reports) side by side: best top-1 per run, or a chart. */
public final class ComparisonTable {
  private ComparisonTable() {}

  /** The table's lines, header first; a UserError naming the folder when it holds no report. */
  public static List<String> of(Configuration conf, String workdir) throws IOException {
    List<String[]> rows = new ArrayList<>();
    int width = "run".length();
    for (Map.Entry<String, ProbeReport> r : reports(conf, workdir).entrySet()) {
      // the best layer is picked on val, like the regularisation strength, so test stays unseen
      ProbeReport.Entry best = null;
      for (ProbeReport.Entry e : r.getValue().endpoints()) {
        if (best == null || e.valTop1 > best.valTop1) {
          best = e;
        }
      }
      UserError.require(best != null, new Path(workdir, "eval-" + r.getKey() + ".json") + " holds no endpoint results");
      width = Math.max(width, r.getKey().length());
      rows.add(new String[] {r.getKey(), best.endpoint, Integer.toString(best.dims),
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

  /** Test top-1 of every endpoint of every report, one run per report (in name order). */
  public static ProbeComparisonChart chart(Configuration conf, String workdir) throws IOException {
    ProbeComparisonChart chart = new ProbeComparisonChart();
    for (Map.Entry<String, ProbeReport> r : reports(conf, workdir).entrySet()) {
      Map<String, Double> top1 = new LinkedHashMap<>();
      r.getValue().endpoints().forEach(e -> top1.put(e.endpoint, e.testTop1));
      chart.run(r.getKey(), top1);
    }
    return chart;
  }

  /** A UserError unless {@code out} (the --plot flag; null: none) names a .png file. */
  public static void checkPlotPath(String out) {
    UserError.require(out == null || out.toLowerCase(Locale.ROOT).endsWith(".png") && !out.endsWith("/.png"),
        "--plot " + out + ": the chart is a PNG image; name a .png file");
  }

  /** {@link #chart} drawn as a PNG to {@code out} (any Hadoop path). */
  public static void plot(Configuration conf, String workdir, String out) throws IOException {
    chart(conf, workdir).write(conf, out);
  }

  /** Run name (eval-NAME.json) → report, in name order; a UserError naming the folder when it holds none. */
  private static Map<String, ProbeReport> reports(Configuration conf, String workdir) throws IOException {
    Path dir = new Path(workdir);
    FileSystem fs = HadoopFiles.of(dir, conf);
    FileStatus[] found = fs.exists(dir) ? fs.globStatus(new Path(dir, "eval-*.json")) : null;
    if (found == null || found.length == 0) {
      throw new UserError("no eval-*.json reports in " + workdir + " (run evaluate first)");
    }
    Map<String, ProbeReport> out = new LinkedHashMap<>();
    for (FileStatus f : found) {
      String name = f.getPath().getName().replaceFirst("^eval-", "").replaceFirst("\\.json$", "");
      out.put(name, ProbeReport.readJson(conf, f.getPath().toString()));
    }
    return out;
  }
}
