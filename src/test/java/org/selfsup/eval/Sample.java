package org.selfsup.eval;

import java.nio.file.Paths;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.TFRecordSource;

/** The committed Fashion-MNIST sample: train 750, val 250, test 500 images, 28×28 gray. */
final class Sample {
  static final DatasetLayout LAYOUT = DatasetLayout.forName("fashion_mnist");

  private Sample() {}

  static String dir() {
    try {
      return Paths.get(Sample.class.getResource("/fashion_mnist_sample").toURI()).toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static Dataset<Row> split(SparkSession spark, String split) {
    return TFRecordSource.read(spark, LAYOUT.files(spark.sparkContext().hadoopConfiguration(), dir(), split),
        LAYOUT.readOptions());
  }
}
