package org.selfsup.eval;

import java.util.List;
import java.util.function.Function;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.TFRecordSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole linear evaluation of one representation: features of the train, val and test splits
 * stored as Parquet under {@code <workdir>/features/<split>/}, the probe run on the stored
 * features, and the report written to {@code <workdir>/probe.json}.
 */
public final class LinearEvaluation {
  private static final Logger LOG = LoggerFactory.getLogger(LinearEvaluation.class);
  private static final List<String> SPLITS = List.of(DatasetLayout.TRAIN, DatasetLayout.VAL, DatasetLayout.TEST);

  private LinearEvaluation() {}

  /** {@code <workdir>/probe.json}. */
  public static String reportPath(String workdir) {
    return (workdir.endsWith("/") ? workdir : workdir + "/") + "probe.json";
  }

  /**
   * @param features dataset DataFrame → feature DataFrame, e.g. {@code extractor::extract} or
   *                 {@code r -> RawPixelFeatures.extract(r, spec)}; runs on the driver
   * @param columns  the vector columns to probe
   */
  public static ProbeReport run(SparkSession spark, DatasetLayout layout, String datasetDir, String workdir,
      Function<Dataset<Row>, Dataset<Row>> features, List<String> columns, LinearProbe probe) {
    for (String split : SPLITS) {
      Dataset<Row> records = TFRecordSource.read(spark,
          layout.files(spark.sparkContext().hadoopConfiguration(), datasetDir, split), layout.readOptions());
      FeatureStore.write(features.apply(records), FeatureStore.path(workdir, split));
    }
    ProbeReport report = probe.run(stored(spark, workdir, DatasetLayout.TRAIN), stored(spark, workdir, DatasetLayout.VAL),
        stored(spark, workdir, DatasetLayout.TEST), columns);
    report.writeJson(spark.sparkContext().hadoopConfiguration(), reportPath(workdir));
    LOG.info("wrote probe report to {}", reportPath(workdir));
    return report;
  }

  private static Dataset<Row> stored(SparkSession spark, String workdir, String split) {
    return FeatureStore.read(spark, FeatureStore.path(workdir, split));
  }
}
