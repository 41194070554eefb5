package org.selfsup.eval;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Feature DataFrames as Parquet under {@code <workdir>/features/<split>/}, for reuse. */
public final class FeatureStore {
  private static final Logger LOG = LoggerFactory.getLogger(FeatureStore.class);

  private FeatureStore() {}

  /** {@code <workdir>/features/<split>}. */
  public static String path(String workdir, String split) {
    return (workdir.endsWith("/") ? workdir : workdir + "/") + "features/" + split;
  }

  /** Writes (replacing what is there) label, file, record and the vector columns as Parquet. */
  public static void write(Dataset<Row> features, String path) {
    features.write().mode(SaveMode.Overwrite).parquet(path);
    LOG.info("wrote features {} to {}", String.join(",", features.columns()), path);
  }

  public static Dataset<Row> read(SparkSession spark, String path) {
    return spark.read().parquet(path);
  }
}
