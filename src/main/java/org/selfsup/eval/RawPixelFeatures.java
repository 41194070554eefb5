package org.selfsup.eval;

import java.util.Collections;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.UserError;

/**
 * The "raw pixels" reference line: the preprocessed image itself, flattened in the spec's HWC
 * order, as one vector column {@value #COLUMN} (same layout as {@link FeatureExtractor}'s output).
 */
public final class RawPixelFeatures {
  public static final String COLUMN = "pixels";

  private RawPixelFeatures() {}

  /**
   * @param spec preprocessing spec starting with decode, e.g. {@code decode(1)|value_range(0,1)}
   * @throws UserError for a bad spec or one without decode
   */
  public static Dataset<Row> extract(Dataset<Row> records, String spec) {
    return extract(records, spec, ReadOptions.defaults());
  }

  /**
   * As {@link #extract(Dataset, String)}; an image that does not decode or is over
   * {@link ReadOptions#maxImagePixels()} is failed on or skipped and counted as {@code options}
   * say, and each row of features counts as a record used.
   */
  public static Dataset<Row> extract(Dataset<Row> records, String spec, ReadOptions options) {
    Preprocessing p = parseSpec(spec);
    JavaRDD<Row> rows = records
        .select(SlimSchema.IMAGE, SlimSchema.LABEL, SlimSchema.FILE, SlimSchema.RECORD)
        .javaRDD()
        .flatMap(r -> {
          Image img;
          try {
            img = RecordImages.apply(p, r, FeatureColumns.EVAL_SEED, options.maxImagePixels());
          } catch (BadRecordException e) {
            options.skipOrThrow(e);
            return Collections.emptyIterator();
          }
          options.used(1);
          float[] d = img.data();
          return Collections.singletonList(RowFactory.create(r.getInt(1), r.getString(2), r.getLong(3),
              Vectors.dense(FeatureColumns.toDoubles(d, 0, d.length)))).iterator();
        });
    return records.sparkSession().createDataFrame(rows, FeatureColumns.schema(Collections.singletonList(COLUMN)));
  }

  /** The spec, parsed; a UserError unless it parses and starts with decode. */
  public static Preprocessing parseSpec(String spec) {
    Preprocessing p = Preprocessing.parse(spec);
    UserError.require(p.startsWithDecode(), "raw pixel spec '" + spec + "' must start with decode");
    return p;
  }
}
