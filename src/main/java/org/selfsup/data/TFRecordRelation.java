package org.selfsup.data;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.PrunedScan;
import org.apache.spark.sql.sources.TableScan;
import org.apache.spark.sql.types.StructType;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.ImageDecodeException;
import org.selfsup.preprocess.ImageTooLargeException;

/**
 * TFRecord shards as a table of {@link SlimSchema#schema()}, read by {@link TFRecordSource} (one
 * partition per file). With {@code maxImagePixels} each image is decoded once within that limit and
 * one over it (or undecodable) is a bad record under {@code onBadRecord}; without it, the image
 * bytes are passed on unread.
 */
final class TFRecordRelation extends BaseRelation implements TableScan, PrunedScan {
  private final SQLContext sqlContext;
  private final List<String> files;
  private final ReadOptions readOptions;
  private final boolean checkImages;

  /**
   * Lists the files now, so that a path that matches nothing fails at {@code load()}.
   *
   * @throws org.selfsup.runtime.UserError for a bad option or a path without TFRecord files
   */
  TFRecordRelation(SQLContext sqlContext, TFRecordDataSourceOptions options) {
    this.sqlContext = sqlContext;
    SparkSession spark = sqlContext.sparkSession();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    String split = options.split();
    if (split != null) {
      DatasetLayout layout = options.layout() != null ? options.layout() : DatasetLayout.forName(DatasetLayout.DEFAULT_NAME);
      this.files = layout.files(conf, options.path(), split);
    } else {
      this.files = TFRecordSource.listFiles(conf, options.paths());
    }
    BadRecordCounter counter = options.onBadRecord() == BadRecordPolicy.SKIP ? BadRecordCounter.create(spark) : null;
    this.readOptions = options.readOptions(counter);
    this.checkImages = options.maxImagePixels() > 0;
  }

  @Override
  public SQLContext sqlContext() {
    return sqlContext;
  }

  @Override
  public StructType schema() {
    return SlimSchema.schema();
  }

  /** The files read, fully qualified and sorted. */
  List<String> files() {
    return files;
  }

  @Override
  public RDD<Row> buildScan() {
    return buildScan(SlimSchema.schema().fieldNames());
  }

  @Override
  public RDD<Row> buildScan(String[] requiredColumns) {
    StructType schema = SlimSchema.schema();
    int[] columns = new int[requiredColumns.length];
    for (int i = 0; i < columns.length; i++) {
      columns[i] = schema.fieldIndex(requiredColumns[i]);
    }
    JavaRDD<Row> rows = TFRecordSource.read(sqlContext.sparkSession(), files, readOptions).javaRDD();
    return rows.mapPartitions(new CheckAndPrune(readOptions, checkImages, columns)).rdd();
  }

  /** Executor side: drops (or fails on) rows whose image is over the limit, then keeps the asked columns. */
  private static final class CheckAndPrune implements FlatMapFunction<Iterator<Row>, Row> {
    private static final long serialVersionUID = 1L;
    private final ReadOptions options;
    private final boolean checkImages;
    private final int[] columns;

    CheckAndPrune(ReadOptions options, boolean checkImages, int[] columns) {
      this.options = options;
      this.checkImages = checkImages;
      this.columns = columns;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
      return new Iterator<Row>() {
        private Row next;

        @Override
        public boolean hasNext() {
          while (next == null && rows.hasNext()) {
            Row r = rows.next();
            if (!checkImages || imageOk(r)) {
              next = prune(r);
            }
          }
          return next != null;
        }

        @Override
        public Row next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          Row r = next;
          next = null;
          return r;
        }
      };
    }

    private boolean imageOk(Row r) {
      String file = r.getAs(SlimSchema.FILE);
      long record = r.<Long>getAs(SlimSchema.RECORD);
      try {
        ImageCodec.decode((byte[]) r.getAs(SlimSchema.IMAGE), 3, options.maxImagePixels());
        return true;
      } catch (ImageTooLargeException e) {
        options.skipOrThrow(BadRecordException.imageTooLarge(file, record, e.getMessage()));
      } catch (ImageDecodeException e) {
        options.skipOrThrow(BadRecordException.undecodableImage(file, record, e.getMessage()));
      }
      return false;
    }

    private Row prune(Row r) {
      List<Object> values = new ArrayList<>(columns.length);
      for (int c : columns) {
        values.add(r.get(c));
      }
      return RowFactory.create(values.toArray());
    }
  }
}
