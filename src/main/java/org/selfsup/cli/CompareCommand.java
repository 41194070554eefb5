package org.selfsup.cli;

import java.io.IOException;
import java.util.concurrent.Callable;
import org.selfsup.eval.ComparisonTable;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "compare", mixinStandardHelpOptions = true,
    description = "One table of the linear evaluations in a workdir (its eval-*.json reports): best top-1 per run.")
final class CompareCommand implements Callable<Integer>, ChecksBeforeSpark {
  @Option(names = "--workdir", required = true, description = "Folder holding eval-NAME.json reports.")
  String workdir;

  @Option(names = "--plot", paramLabel = "OUT.png",
      description = "Also draw test top-1 per endpoint across the runs (grouped bars) as a PNG to this path.")
  String plot;

  @Override
  public Integer call() throws Exception {
    ComparisonTable.checkPlotPath(plot);
    ComparisonTable.of(SparkSessions.hadoopConfiguration(), workdir).forEach(System.out::println);
    if (plot != null) {
      ComparisonTable.plot(SparkSessions.hadoopConfiguration(), workdir, plot);
      System.out.println("plot: " + plot);
    }
    return 0;
  }

  /** compare starts no Spark: its check is reading the reports. */
  @Override
  public void checkBeforeSpark() throws IOException {
    ComparisonTable.of(SparkSessions.hadoopConfiguration(), workdir);
  }
}
