package org.selfsup.data;

import org.selfsup.runtime.UserError;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.apache.commons.io.IOUtils;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.LongAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.ImageDecodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.selfsup.runtime.UserError;

/**
 * An image-folder tree (one sub-folder per class, JPEG/PNG files) → slim TFRecord shards.
 * With {@code train/} and {@code test/} (or {@code validation/}) sub-folders each becomes
 * its split; otherwise the whole tree is the train split. Classes are the sub-folder names
 * in sorted order (label 0 = first). Files are read, checked and re-encoded on the executors.
 */
public final class ImageFolderImporter {
  private static final List<String> IMAGE_SUFFIXES = Arrays.asList(".jpg", ".jpeg", ".png");
  private static final int FILES_PER_SLICE = 500;
  private static final Logger LOG = LoggerFactory.getLogger(ImageFolderImporter.class);

  private ImageFolderImporter() {}

  public static ImportSummary run(SparkSession spark, ImportOptions options) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Path root = new Path(options.sourceDir);
    FileSystem fs = HadoopFiles.of(root, conf);
    if (!fs.exists(root) || !fs.getFileStatus(root).isDirectory()) {
      throw new UserError("image folder " + root + " does not exist or is not a folder");
    }
    List<String[]> splits = new ArrayList<>(); // {split name, folder}
    Path test = firstExisting(fs, new Path(root, "test"), new Path(root, "validation"));
    if (fs.exists(new Path(root, "train")) && test != null) {
      splits.add(new String[] {"train", new Path(root, "train").toString()});
      splits.add(new String[] {"test", test.toString()});
    } else {
      splits.add(new String[] {"train", root.toString()});
    }
    List<String> classes = classFolders(fs, new Path(splits.get(0)[1]));
    if (classes.isEmpty()) {
      throw new UserError("image folder " + splits.get(0)[1]
          + " has no class sub-folders; expected one sub-folder per class holding .jpg/.jpeg/.png files");
    }
    LOG.info("{} classes: {}", classes.size(), classes.size() > 20 ? classes.subList(0, 20) + " ..." : classes);

    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> hadoopConf = jsc.broadcast(new SerializableConfiguration(conf));
    LongAccumulator skipped = spark.sparkContext().longAccumulator("undecodable images");
    LongAccumulator tooLarge = spark.sparkContext().longAccumulator("images over --max_image_pixels");
    CollectionAccumulator<String> skippedNames = spark.sparkContext().collectionAccumulator("undecodable image names");
    ImportSummary summary = new ImportSummary();
    for (String[] split : splits) {
      List<Row> files = new ArrayList<>();
      for (int label = 0; label < classes.size(); label++) {
        Path classDir = new Path(split[1], classes.get(label));
        if (!fs.exists(classDir)) {
          continue;
        }
        for (FileStatus f : listFilesSorted(fs, classDir)) {
          if (isImageName(f.getPath().getName())) {
            files.add(RowFactory.create(f.getPath().toString(), label));
          } else {
            summary.ignoredFiles++;
          }
        }
      }
      int limit = options.limit(split[0]);
      if (limit > 0 && files.size() > limit) {
        files = files.subList(0, limit);
      }
      if (files.isEmpty()) {
        throw new UserError("no .jpg/.jpeg/.png files under " + split[1]);
      }
      ImageFormat format = options.imageFormat;
      BadRecordPolicy policy = options.onBadRecord;
      long maxPixels = options.maxImagePixels;
      JavaRDD<Row> slim = jsc.parallelize(files, Math.max(1, files.size() / FILES_PER_SLICE))
          .flatMap(r -> {
            Row row;
            try {
              row = toSlimRow(hadoopConf.value().value(), r.getString(0), r.getInt(1), classes, format, policy,
                  maxPixels);
            } catch (SkippedImage s) {
              row = null;
              if (s.tooLarge) {
                tooLarge.add(1);
              }
            }
            if (row == null) {
              skipped.add(1);
              if (skippedNames.value().size() < 20) {
                skippedNames.add(r.getString(0));
              }
              return Collections.emptyIterator();
            }
            return Collections.singletonList(row).iterator();
          });
      List<String> written;
      try {
        written = TFRecordSink.write(spark.createDataFrame(slim, SlimSchema.writeSchema()),
            options.outputDir, split[0], options.shards(split[0], files.size()),
            WriteOptions.defaults().withOverwrite(options.overwrite));
      } catch (Exception e) { // Spark wraps the executor's exception in a (checked) SparkException
        ImageDecodeException cause = undecodableIn(e);
        if (cause != null) { // the user's file: one line naming it, exit 2
          throw new UserError(cause.getMessage(), cause);
        }
        throw e;
      }
      long count = files.size() - skipped.value();
      LOG.info("{}: {} images from {} → {}", split[0], count, split[1], options.outputDir);
      summary.splits.add(new ImportSummary.Split(split[0], count, written));
      summary.skipped += skipped.value();
      summary.skippedTooLarge += tooLarge.value();
      tooLarge.reset();
      summary.skippedExamples.addAll(skippedNames.value());
      skipped.reset();
      skippedNames.reset();
    }
    return summary;
  }

  /** @throws SkippedImage when the file is not a decodable image and the policy is SKIP */
  static Row toSlimRow(Configuration conf, String file, int label, List<String> classes,
      ImageFormat format, BadRecordPolicy policy, long maxPixels) throws IOException {
    Path path = new Path(file);
    byte[] bytes;
    try (InputStream in = HadoopFiles.of(path, conf).open(path)) {
      bytes = IOUtils.toByteArray(in);
    }
    Image image;
    try {
      image = ImageCodec.decode(bytes, 3, maxPixels);
    } catch (ImageDecodeException e) {
      if (policy == BadRecordPolicy.SKIP) {
        LOG.warn("skipped undecodable image {}: {}", file, e.getMessage());
        throw new SkippedImage(e instanceof org.selfsup.preprocess.ImageTooLargeException);
      }
      throw new ImageDecodeException("cannot import " + file + ": " + e.getMessage()
          + " (use --on_bad_record skip to leave such files out and count them)");
    }
    boolean isJpeg = bytes.length > 2 && (bytes[0] & 0xff) == 0xff && (bytes[1] & 0xff) == 0xd8;
    // A JPEG kept as JPEG is copied, not re-encoded, so it loses nothing.
    byte[] encoded = (format == ImageFormat.JPEG && isJpeg) ? bytes : format.encode(image);
    String relative = path.getParent().getName() + "/" + path.getName();
    return SlimSchema.writeRow(encoded, label, format.slimName(), image.height(), image.width(),
        classes.get(label), relative);
  }

  /** A file left out under SKIP (its warning already logged). */
  static final class SkippedImage extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final boolean tooLarge;

    SkippedImage(boolean tooLarge) {
      super(null, null, false, false);
      this.tooLarge = tooLarge;
    }
  }

  /** The executor's ImageDecodeException: from the cause chain, else from Spark's message text. */
  private static ImageDecodeException undecodableIn(Throwable e) {
    String marker = ImageDecodeException.class.getName() + ": ";
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ImageDecodeException) {
        return new ImageDecodeException(t.getMessage());
      }
      String m = t.getMessage();
      int at = m == null ? -1 : m.indexOf(marker);
      if (at >= 0) {
        int end = m.indexOf('\n', at);
        return new ImageDecodeException(m.substring(at + marker.length(), end < 0 ? m.length() : end).trim());
      }
    }
    return null;
  }

  static boolean isImageName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return IMAGE_SUFFIXES.stream().anyMatch(lower::endsWith);
  }

  private static List<String> classFolders(FileSystem fs, Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isDirectory() && !s.getPath().getName().startsWith(".")) {
        names.add(s.getPath().getName());
      }
    }
    Collections.sort(names);
    return names;
  }

  private static List<FileStatus> listFilesSorted(FileSystem fs, Path dir) throws IOException {
    List<FileStatus> files = new ArrayList<>();
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isFile() && !s.getPath().getName().startsWith(".")) {
        files.add(s);
      }
    }
    files.sort((a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
    return files;
  }

  private static Path firstExisting(FileSystem fs, Path... candidates) throws IOException {
    for (Path p : candidates) {
      if (fs.exists(p)) {
        return p;
      }
    }
    return null;
  }
}
