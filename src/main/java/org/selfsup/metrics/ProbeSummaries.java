package org.selfsup.metrics;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * A linear evaluation's results as TensorBoard scalars, in {@code WORKDIR/tensorboard/eval-NAME/}
 * (one TensorBoard run per report, next to {@code eval-NAME.json}): per endpoint the chosen L2
 * strength, val top-1, test top-1 and top-5 (fractions), at the training step of the network
 * evaluated (0 for a random init or raw pixels). Evaluating again replaces that step's values;
 * other steps stay, so evaluating a run's checkpoints one after another under one name draws the
 * probe accuracy against the training step.
 */
public final class ProbeSummaries {
  private final Map<String, Double> values = new LinkedHashMap<>();

  /** The folder of the report {@code name}'s events. */
  public static String dir(String workdir, String name) {
    return new Path(new Path(workdir, TrainingSummaries.TENSORBOARD), "eval-" + name).toString();
  }

  /** The tag of one number of an endpoint: {@code probe/ENDPOINT/what}. */
  public static String tag(String endpoint, String what) {
    return "probe/" + endpoint + "/" + what;
  }

  public ProbeSummaries endpoint(String endpoint, double l2, double valTop1, double testTop1, double testTop5) {
    values.put(tag(endpoint, "l2"), l2);
    values.put(tag(endpoint, "val_top1"), valTop1);
    values.put(tag(endpoint, "test_top1"), testTop1);
    values.put(tag(endpoint, "test_top5"), testTop5);
    return this;
  }

  /** The numbers of one L2 strength of the grid: {@code probe/ENDPOINT/l2=STRENGTH/...}. */
  public ProbeSummaries fit(String endpoint, String l2, double valTop1, double valTop5, double testTop1,
      double testTop5) {
    String at = "l2=" + l2 + "/";
    values.put(tag(endpoint, at + "val_top1"), valTop1);
    values.put(tag(endpoint, at + "val_top5"), valTop5);
    values.put(tag(endpoint, at + "test_top1"), testTop1);
    values.put(tag(endpoint, at + "test_top5"), testTop5);
    return this;
  }

  /** kNN numbers with k neighbours: {@code probe/ENDPOINT/knn=K/...}. */
  public ProbeSummaries knn(String endpoint, int k, double valTop1, double testTop1, double testTop5) {
    String at = "knn=" + k + "/";
    values.put(tag(endpoint, at + "val_top1"), valTop1);
    values.put(tag(endpoint, at + "test_top1"), testTop1);
    values.put(tag(endpoint, at + "test_top5"), testTop5);
    return this;
  }

  /** Writes the values at {@code step}, replacing whatever the folder held for that step. */
  public void write(Configuration conf, String workdir, String name, long step) throws IOException {
    EventLog log = EventLog.open(conf, dir(workdir, name), s -> s != step);
    log.scalars(step, values);
    log.flush();
  }
}
