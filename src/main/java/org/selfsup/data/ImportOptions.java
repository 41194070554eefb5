package org.selfsup.data;

import java.io.IOException;
import java.io.Serializable;
import org.selfsup.preprocess.ImageCodec;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.runtime.UserError;

/** What an importer writes and where: shared by every importer. */
public final class ImportOptions implements Serializable {
  public static final String FASHION_MNIST = "fashion_mnist";
  public static final String IMAGE_FOLDER = "image_folder";
  public static final List<String> SOURCES = List.of(FASHION_MNIST, IMAGE_FOLDER);
  /** The splits an importer writes (--limit and --shards name them). */
  public static final List<String> SPLITS = List.of("train", "test");

  public final String sourceDir;
  public final String outputDir;
  public final ImageFormat imageFormat;
  /** Split name → the most images taken from it (first ones); absent = all. */
  public final Map<String, Integer> limits;
  /** Split name → number of shards; absent = about 2,500 images a shard. */
  public final Map<String, Integer> shards;
  public final boolean overwrite;
  public final BadRecordPolicy onBadRecord;
  /** Images over this width x height are refused from their header (a bad input under onBadRecord). */
  public final long maxImagePixels;

  public ImportOptions(String sourceDir, String outputDir, ImageFormat imageFormat,
      Map<String, Integer> limits, Map<String, Integer> shards, boolean overwrite,
      BadRecordPolicy onBadRecord) {
    this(sourceDir, outputDir, imageFormat, limits, shards, overwrite, onBadRecord, ImageCodec.DEFAULT_MAX_PIXELS);
  }

  /** @throws org.selfsup.runtime.UserError when maxImagePixels is not positive */
  public ImportOptions(String sourceDir, String outputDir, ImageFormat imageFormat,
      Map<String, Integer> limits, Map<String, Integer> shards, boolean overwrite,
      BadRecordPolicy onBadRecord, long maxImagePixels) {
    ReadOptions.checkMaxImagePixels(maxImagePixels);
    this.maxImagePixels = maxImagePixels;
    this.sourceDir = sourceDir;
    this.outputDir = outputDir;
    this.imageFormat = imageFormat;
    this.limits = Collections.unmodifiableMap(new TreeMap<>(limits));
    this.shards = Collections.unmodifiableMap(new TreeMap<>(shards));
    this.overwrite = overwrite;
    this.onBadRecord = onBadRecord;
  }

  public int limit(String split) {
    return limits.getOrDefault(split, -1);
  }

  /** Shards for a split of {@code count} images: the user's number, else ~2,500 images each (at least 2 for train, so it has a val shard). */
  public int shards(String split, long count) {
    Integer n = shards.get(split);
    if (n != null) {
      return n;
    }
    int auto = (int) Math.max(1, (count + 2499) / 2500);
    return "train".equals(split) ? Math.max(2, auto) : auto;
  }

  /**
   * Checks the flags for importing {@code source} before Spark starts, reading through {@code hadoop}
   * what must be there: the source files, and no shards in the output folder unless --overwrite.
   */
  public void validate(String source, Configuration hadoop) throws IOException {
    UserError.require(SOURCES.contains(source),
        "unknown import source '" + source + "'; valid: " + String.join(", ", SOURCES));
    checkSplitCounts("--limit", limits, Integer.MAX_VALUE);
    checkSplitCounts("--shards", shards, 99999);
    if (FASHION_MNIST.equals(source)) {
      FashionMnistImporter.checkFiles(hadoop, sourceDir);
    } else {
      UserError.require(sourceDir != null, "import image_folder needs --source_dir");
      Path root = new Path(sourceDir);
      FileSystem fs = HadoopFiles.of(root, hadoop);
      UserError.require(fs.exists(root) && fs.getFileStatus(root).isDirectory(),
          "--source_dir " + sourceDir + " does not exist or is not a folder");
    }
    if (!overwrite) {
      Path out = new Path(outputDir);
      FileSystem fs = HadoopFiles.of(out, hadoop);
      for (String split : SPLITS) {
        FileStatus[] found = fs.exists(out) ? fs.globStatus(new Path(out, split + "-*-of-*")) : null;
        UserError.require(found == null || found.length == 0, "--dataset_dir " + outputDir + " already has "
            + (found == null ? 0 : found.length) + " " + split + " shard(s) (e.g. " + (found == null || found.length == 0
                ? "" : found[0].getPath().getName()) + "); delete them or pass --overwrite");
      }
    }
  }

  private static void checkSplitCounts(String flag, Map<String, Integer> counts, int max) {
    for (Map.Entry<String, Integer> e : counts.entrySet()) {
      UserError.require(SPLITS.contains(e.getKey()), flag + " " + e.getKey() + "=" + e.getValue()
          + ": unknown split '" + e.getKey() + "'; valid: " + String.join(", ", SPLITS));
      UserError.require(e.getValue() != null && e.getValue() >= 1 && e.getValue() <= max,
          flag + " " + e.getKey() + "=" + e.getValue() + " must be between 1 and " + max);
    }
  }
}
