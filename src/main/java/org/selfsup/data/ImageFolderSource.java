package org.selfsup.data;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.commons.io.IOUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocatedFileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RemoteIterator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;
import org.selfsup.runtime.UserError;

/**
 * A folder of image files (any Hadoop path) read as dataset rows without importing it: the
 * columns {@code image} (the file's bytes, decoded later by the spec), {@code label}, {@code
 * file} (the file's path) and {@code record} (0: a file holds one image), as {@link SlimSchema}
 * names them. Files are those {@code import image_folder} takes (.jpg, .jpeg, .png; hidden
 * names skipped), at any depth, in path order; the label is the index of the file's first-level
 * sub-folder among the folder's sub-folders in sorted order (as {@code import image_folder}
 * numbers classes), {@link #NO_LABEL} for a file directly in the folder. Bytes are read on the
 * executors.
 */
public final class ImageFolderSource {
  public static final int NO_LABEL = -1;
  private static final int FILES_PER_PARTITION = 256;
  private static final StructType SCHEMA = new StructType()
      .add(SlimSchema.IMAGE, DataTypes.BinaryType, false)
      .add(SlimSchema.LABEL, DataTypes.IntegerType, false)
      .add(SlimSchema.FILE, DataTypes.StringType, false)
      .add(SlimSchema.RECORD, DataTypes.LongType, false);

  private ImageFolderSource() {}

  /** {@code (file path, label)} of every image under {@code folder}, in path order. */
  public static List<Row> list(Configuration conf, String folder) {
    try {
      Path root = new Path(folder);
      FileSystem fs = HadoopFiles.of(root, conf);
      UserError.require(fs.exists(root) && fs.getFileStatus(root).isDirectory(),
          "--images " + folder + " does not exist or is not a folder");
      root = fs.makeQualified(root);
      List<String> classes = new ArrayList<>();
      for (FileStatus s : fs.listStatus(root)) {
        if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
          classes.add(s.getPath().getName());
        }
      }
      Collections.sort(classes);
      int depth = root.depth();
      List<String> files = new ArrayList<>();
      RemoteIterator<LocatedFileStatus> it = fs.listFiles(root, true);
      while (it.hasNext()) {
        Path p = it.next().getPath();
        if (ImageFolderImporter.isImageName(p.getName()) && !hidden(p, depth)) {
          files.add(p.toString());
        }
      }
      Collections.sort(files);
      UserError.require(!files.isEmpty(), "--images " + folder + " holds no .jpg/.jpeg/.png files");
      List<Row> out = new ArrayList<>(files.size());
      for (String f : files) {
        Path p = new Path(f);
        int label = NO_LABEL;
        if (p.depth() > depth + 1) {
          Path first = p;
          while (first.depth() > depth + 1) {
            first = first.getParent();
          }
          label = Collections.binarySearch(classes, first.getName());
        }
        out.add(RowFactory.create(f, label));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + folder + ": " + e.getMessage(), e);
    }
  }

  /**
   * The images under {@code folder} as rows of image, label, file, record; each file read counts
   * as a record read in {@code options}' counter (when it has one).
   */
  public static Dataset<Row> read(SparkSession spark, String folder, ReadOptions options) {
    BadRecordCounter counter = options.counter();
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<Row> files = list(conf, folder);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> hadoop = jsc.broadcast(new SerializableConfiguration(conf));
    int partitions = Math.max(1, (files.size() + FILES_PER_PARTITION - 1) / FILES_PER_PARTITION);
    JavaRDD<Row> rows = jsc.parallelize(files, partitions).map(r -> {
      String file = r.getString(0);
      Path p = new Path(file);
      byte[] bytes;
      try (InputStream in = HadoopFiles.of(p, hadoop.value().value()).open(p)) {
        bytes = IOUtils.toByteArray(in);
      }
      if (counter != null) {
        counter.read();
      }
      return RowFactory.create(bytes, r.getInt(1), file, 0L);
    });
    return spark.createDataFrame(rows, SCHEMA);
  }

  /** Whether a path component below the root starts with '.'. */
  private static boolean hidden(Path p, int rootDepth) {
    for (Path q = p; q != null && q.depth() > rootDepth; q = q.getParent()) {
      if (q.getName().startsWith(".")) {
        return true;
      }
    }
    return false;
  }
}
