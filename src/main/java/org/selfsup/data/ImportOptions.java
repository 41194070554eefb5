package org.selfsup.data;

import java.io.Serializable;
import org.selfsup.preprocess.ImageCodec;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** What an importer writes and where: shared by every importer. */
public final class ImportOptions implements Serializable {
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
}
