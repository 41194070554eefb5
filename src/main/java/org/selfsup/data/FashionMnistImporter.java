package org.selfsup.data;

import org.selfsup.runtime.UserError;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.selfsup.preprocess.Image;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.selfsup.runtime.UserError;

/**
 * Fashion-MNIST's four IDX files (plain or .gz) → slim TFRecord shards {@code train-*} and
 * {@code test-*}. The pixels are read on the driver (47 MB for all 70,000 images); encoding
 * and writing run on the executors.
 */
public final class FashionMnistImporter {
  /** Where Debian's {@code dataset-fashion-mnist} package puts the files. */
  public static final String DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";

  public static final List<String> CLASS_NAMES = Arrays.asList(
      "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  /** split → {images file, labels file}, without the optional .gz suffix. */
  private static final String[][] FILES = {
      {"train", "train-images-idx3-ubyte", "train-labels-idx1-ubyte"},
      {"test", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"},
  };
  private static final int ROWS_PER_SLICE = 1000; // ~0.8 MB of pixels per task
  private static final Logger LOG = LoggerFactory.getLogger(FashionMnistImporter.class);

  private FashionMnistImporter() {}

  public static ImportSummary run(SparkSession spark, ImportOptions options) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ImportSummary summary = new ImportSummary();
    for (String[] split : FILES) {
      String name = split[0];
      Path imagesPath = locate(conf, options.sourceDir, split[1]);
      Path labelsPath = locate(conf, options.sourceDir, split[2]);
      int limit = options.limit(name);
      IdxFile.Images images = IdxFile.readImages(conf, imagesPath, limit);
      byte[] labels = IdxFile.readLabels(conf, labelsPath, limit);
      if (labels.length != images.count) {
        throw new UserError(String.format("%s has %d labels but %s has %d images",
            labelsPath, labels.length, imagesPath, images.count));
      }
      int pixels = images.rows * images.cols;
      List<Row> raw = new ArrayList<>(images.count);
      for (int i = 0; i < images.count; i++) {
        raw.add(RowFactory.create(i, (int) labels[i],
            Arrays.copyOfRange(images.pixels, i * pixels, (i + 1) * pixels)));
      }
      int rows = images.rows;
      int cols = images.cols;
      ImageFormat format = options.imageFormat;
      JavaRDD<Row> slim = jsc.parallelize(raw, Math.max(1, images.count / ROWS_PER_SLICE))
          .map(r -> toSlimRow(name, r.getInt(0), r.getInt(1), (byte[]) r.get(2), rows, cols, format));
      int shards = options.shards(name, images.count);
      List<String> written = TFRecordSink.write(spark.createDataFrame(slim, SlimSchema.writeSchema()),
          options.outputDir, name, shards, WriteOptions.defaults().withOverwrite(options.overwrite));
      LOG.info("{}: {} images from {} → {} shards in {}", name, images.count, imagesPath, shards, options.outputDir);
      summary.splits.add(new ImportSummary.Split(name, images.count, written));
    }
    return summary;
  }

  /** Throws the one-line "not found" error unless the four IDX files (or their .gz) are in {@code dir}. */
  static void checkFiles(Configuration conf, String dir) throws IOException {
    for (String[] split : FILES) {
      locate(conf, dir, split[1]);
      locate(conf, dir, split[2]);
    }
  }

  static Row toSlimRow(String split, int index, int label, byte[] gray, int rows, int cols, ImageFormat format) {
    float[] data = new float[gray.length];
    for (int i = 0; i < gray.length; i++) {
      data[i] = gray[i] & 0xff;
    }
    byte[] encoded = format.encode(new Image(rows, cols, 1, data));
    return SlimSchema.writeRow(encoded, label, format.slimName(), rows, cols,
        CLASS_NAMES.get(label), String.format("%s/%05d.%s", split, index, format.slimName()));
  }

  /** The file, or the file + ".gz"; a clear message with what to do when neither is there. */
  private static Path locate(Configuration conf, String dir, String name) throws IOException {
    for (String candidate : new String[] {name, name + ".gz"}) {
      Path p = new Path(dir, candidate);
      FileSystem fs = HadoopFiles.of(p, conf);
      if (fs.exists(p)) {
        return p;
      }
    }
    throw new UserError(String.format(
        "Fashion-MNIST file %s(.gz) not found in %s; pass --source_dir with the folder holding "
            + "the four IDX files, or install them with: sudo apt-get install dataset-fashion-mnist "
            + "(puts them in %s)", name, dir, DEBIAN_DIR));
  }
}
