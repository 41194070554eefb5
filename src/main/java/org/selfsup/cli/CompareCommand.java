package org.selfsup.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.selfsup.eval.ProbeReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import org.selfsup.runtime.UserError;

@Command(name = "compare", mixinStandardHelpOptions = true,
    description = "One table of the linear evaluations in a workdir (its eval-*.json reports): best top-1 per run.")
final class CompareCommand implements Callable<Integer> {
  @Option(names = "--workdir", required = true, description = "Folder holding eval-NAME.json reports.")
  String workdir;

  @Override
  public Integer call() throws Exception {
    Configuration conf = new Configuration();
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
    lines.forEach(System.out::println);
    return 0;
  }
}
