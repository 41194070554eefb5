package org.selfsup.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SQLContext;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.sources.BaseRelation;
import org.apache.spark.sql.sources.CreatableRelationProvider;
import org.apache.spark.sql.sources.DataSourceRegister;
import org.apache.spark.sql.sources.RelationProvider;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.selfsup.runtime.UserError;
import scala.collection.JavaConverters;

/**
 * The Spark data source {@code tfrecord}: TF-slim TFRecord shards read by {@link TFRecordSource}
 * and written by {@link TFRecordSink}, the same code the command line uses.
 *
 * <pre>
 * spark.read.format("tfrecord").option("onBadRecord", "skip").load("gs://bucket/imagenet/train-*")
 * df.write.format("tfrecord").option("prefix", "train").option("codec", "gzip").save("gs://bucket/out")
 * </pre>
 *
 * Options: {@link TFRecordDataSourceOptions}. Registered under its short name in
 * {@code META-INF/services/org.apache.spark.sql.sources.DataSourceRegister}.
 */
public final class TFRecordDataSource implements RelationProvider, CreatableRelationProvider, DataSourceRegister {
  public static final String SHORT_NAME = "tfrecord";

  @Override
  public String shortName() {
    return SHORT_NAME;
  }

  @Override
  public BaseRelation createRelation(SQLContext sqlContext, scala.collection.immutable.Map<String, String> parameters) {
    return new TFRecordRelation(sqlContext, TFRecordDataSourceOptions.of(javaMap(parameters)));
  }

  /**
   * Writes {@code data} (an {@code image} binary and an integer {@code label} column at least) as
   * {@code <prefix>-NNNNN-of-NNNNN} shards in the folder {@code path}. Save modes: errorifexists
   * (default) refuses an existing folder; append adds shards of another prefix to it (shards of the
   * same prefix are refused: their names carry the count); overwrite replaces the shards of that
   * prefix and leaves other files be; ignore writes nothing when the folder exists.
   */
  @Override
  public BaseRelation createRelation(SQLContext sqlContext, SaveMode mode,
      scala.collection.immutable.Map<String, String> parameters, Dataset<Row> data) {
    TFRecordDataSourceOptions options = TFRecordDataSourceOptions.of(javaMap(parameters));
    String dir = options.path();
    String prefix = options.prefix();
    int numShards = options.numShards();
    checkColumns(data.schema());
    boolean exists = existsWithFiles(sqlContext, dir);
    if (exists && mode == SaveMode.ErrorIfExists) {
      throw new UserError("path " + dir + " already exists; choose mode append (new shard prefix), overwrite"
          + " (replaces the shards named " + prefix + "-*) or ignore");
    }
    if (!(exists && mode == SaveMode.Ignore)) {
      int shards = numShards > 0 ? numShards : Math.max(1, data.rdd().getNumPartitions());
      TFRecordSink.write(data, dir, prefix, shards, options.writeOptions(mode == SaveMode.Overwrite));
    }
    return new TFRecordRelation(sqlContext, options);
  }

  /** A folder that holds at least one file not hidden ('.' or '_'); a folder of nothing is free to write. */
  private static boolean existsWithFiles(SQLContext sqlContext, String dir) {
    Path p = new Path(dir);
    try {
      FileSystem fs = HadoopFiles.of(p, sqlContext.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        return false;
      }
      if (!fs.getFileStatus(p).isDirectory()) {
        throw new UserError("path " + dir + " is a file; tfrecord writes a folder of shards");
      }
      for (FileStatus st : fs.listStatus(p)) {
        if (!TFRecordSource.isHidden(st.getPath())) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look at " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The columns {@link SlimSchema#toExample} turns into Example keys, with the types it can write. */
  static void checkColumns(StructType schema) {
    String[] names = schema.fieldNames();
    requireColumn(schema, names, SlimSchema.IMAGE, true, DataTypes.BinaryType);
    requireColumn(schema, names, SlimSchema.LABEL, true, DataTypes.IntegerType, DataTypes.LongType,
        DataTypes.ShortType, DataTypes.ByteType);
    requireColumn(schema, names, SlimSchema.FORMAT, false, DataTypes.StringType);
    requireColumn(schema, names, SlimSchema.TEXT, false, DataTypes.StringType);
    requireColumn(schema, names, SlimSchema.FILENAME, false, DataTypes.StringType);
    requireColumn(schema, names, SlimSchema.HEIGHT, false, DataTypes.IntegerType, DataTypes.LongType,
        DataTypes.ShortType, DataTypes.ByteType);
    requireColumn(schema, names, SlimSchema.WIDTH, false, DataTypes.IntegerType, DataTypes.LongType,
        DataTypes.ShortType, DataTypes.ByteType);
  }

  private static void requireColumn(StructType schema, String[] names, String column, boolean required,
      DataType... types) {
    if (!java.util.Arrays.asList(names).contains(column)) {
      if (required) {
        throw new UserError("tfrecord needs a column '" + column + "' to write; the data has "
            + String.join(", ", names));
      }
      return;
    }
    StructField f = schema.apply(column);
    for (DataType t : types) {
      if (f.dataType().equals(t)) {
        return;
      }
    }
    throw new UserError("column '" + column + "' is " + f.dataType().simpleString() + "; tfrecord writes it from "
        + types[0].simpleString() + (types.length > 1 ? " (or another integer type)" : ""));
  }

  private static Map<String, String> javaMap(scala.collection.immutable.Map<String, String> m) {
    return JavaConverters.mapAsJavaMapConverter(m).asJava();
  }
}
