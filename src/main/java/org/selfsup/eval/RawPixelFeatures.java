package org.selfsup.eval;

import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.Preprocessing;

/**
 * The "raw pixels" reference line: the preprocessed image itself, flattened in the spec's HWC
 * order, as one vector column {@value #COLUMN} (same layout as {@link FeatureExtractor}'s output).
 */
public final class RawPixelFeatures {
  public static final String COLUMN = "pixels";

  private RawPixelFeatures() {}

  /**
   * @param spec preprocessing spec starting with decode, e.g. {@code decode(1)|value_range(0,1)}
   * @throws IllegalArgumentException for a bad spec or one without decode
   */
  public static Dataset<Row> extract(Dataset<Row> records, String spec) {
    Preprocessing p = Preprocessing.parse(spec);
    if (!p.startsWithDecode()) {
      throw new IllegalArgumentException("raw pixel spec '" + spec + "' must start with decode");
    }
    JavaRDD<Row> rows = records
        .select(SlimSchema.IMAGE, SlimSchema.LABEL, SlimSchema.FILE, SlimSchema.RECORD)
        .javaRDD()
        .map(r -> {
          Image img = RecordImages.apply(p, r, FeatureColumns.EVAL_SEED);
          float[] d = img.data();
          return RowFactory.create(r.getInt(1), r.getString(2), r.getLong(3),
              Vectors.dense(FeatureColumns.toDoubles(d, 0, d.length)));
        });
    return records.sparkSession().createDataFrame(rows, FeatureColumns.schema(Collections.singletonList(COLUMN)));
  }
}
