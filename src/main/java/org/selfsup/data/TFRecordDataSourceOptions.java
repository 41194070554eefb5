package org.selfsup.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.selfsup.runtime.UserError;

/**
 * The options of the {@code tfrecord} Spark data source ({@link TFRecordDataSource}), checked and
 * turned into the project's {@link ReadOptions} / {@link WriteOptions}. Keys are case-insensitive,
 * as everywhere in Spark; where linkedin/spark-tfrecord has an option of the same meaning, it has
 * the same name ({@code recordType}, {@code codec}). A bad value is a {@link UserError} naming the
 * option.
 */
public final class TFRecordDataSourceOptions {
  public static final String PATH = "path";
  /** Several paths, as a JSON array (what Spark passes for {@code load(path1, path2, ...)}). */
  public static final String PATHS = "paths";
  public static final String RECORD_TYPE = "recordType";
  public static final String CODEC = "codec";
  public static final String LABEL_OFFSET = "labelOffset";
  public static final String ON_BAD_RECORD = "onBadRecord";
  public static final String MAX_IMAGE_PIXELS = "maxImagePixels";
  public static final String DATASET = "dataset";
  public static final String SPLIT = "split";
  public static final String PREFIX = "prefix";
  public static final String NUM_SHARDS = "numShards";

  /** The one record type this source reads and writes: tf.train.Example in the TF-slim layout. */
  public static final String EXAMPLE = "Example";
  public static final String DEFAULT_PREFIX = "part";

  private static final List<String> GZIP = Arrays.asList("gzip", "org.apache.hadoop.io.compress.gzipcodec");
  private static final List<String> NONE = Arrays.asList("none", "uncompressed");

  private final Map<String, String> options;

  private TFRecordDataSourceOptions(Map<String, String> options) {
    Map<String, String> lower = new HashMap<>();
    options.forEach((k, v) -> lower.put(k.toLowerCase(Locale.ROOT), v));
    this.options = Collections.unmodifiableMap(lower);
  }

  /** Checks what reading and writing have in common (recordType, codec, labelOffset). */
  public static TFRecordDataSourceOptions of(Map<String, String> options) {
    TFRecordDataSourceOptions o = new TFRecordDataSourceOptions(options);
    String recordType = o.get(RECORD_TYPE);
    if (recordType != null && !recordType.equals(EXAMPLE)) {
      throw new UserError("option " + RECORD_TYPE + ": only " + EXAMPLE + " is supported (TF-slim Examples), not '"
          + recordType + "'");
    }
    o.gzip();
    o.labelOffset();
    return o;
  }

  /**
   * The files or globs to read: {@code path}, or the JSON array {@code paths}.
   *
   * @throws UserError when neither is given
   */
  public List<String> paths() {
    String paths = get(PATHS);
    if (paths != null) {
      try {
        String[] list = new ObjectMapper().readValue(paths, String[].class);
        if (list.length > 0) {
          return Arrays.asList(list);
        }
      } catch (IOException e) {
        throw new UserError("option " + PATHS + ": not a JSON array of strings: " + paths);
      }
    }
    return Collections.singletonList(path());
  }

  /** The one path (a folder for writing); a UserError when absent. */
  public String path() {
    String p = get(PATH);
    if (p == null || p.isEmpty()) {
      throw new UserError("option " + PATH + " is required: give one path to load(path) / save(path) (Spark passes"
          + " no second path to this source: read several with a {a,b} glob or the option " + PATHS
          + ", a JSON array)");
    }
    return p;
  }

  /** {@code codec}: gzip (or Hadoop's GzipCodec class name) compresses; none / uncompressed / absent does not. */
  public boolean gzip() {
    String c = get(CODEC);
    if (c == null || c.isEmpty()) {
      return false;
    }
    String lc = c.toLowerCase(Locale.ROOT);
    if (GZIP.contains(lc)) {
      return true;
    }
    if (NONE.contains(lc)) {
      return false;
    }
    throw new UserError("option " + CODEC + ": must be gzip (org.apache.hadoop.io.compress.GzipCodec) or none, not '"
        + c + "'");
  }

  /** The {@code dataset} layout, or null when not given. */
  public DatasetLayout layout() {
    String d = get(DATASET);
    if (d == null) {
      return null;
    }
    try {
      return DatasetLayout.forName(d);
    } catch (UserError e) {
      throw new UserError("option " + DATASET + ": " + e.getMessage());
    }
  }

  /** The {@code split} to read from the dataset folder ({@code path}), or null to read {@code path} as it is. */
  public String split() {
    String s = get(SPLIT);
    if (s != null && !DatasetLayout.SPLITS.contains(s)) {
      throw new UserError("option " + SPLIT + ": must be one of " + String.join(", ", DatasetLayout.SPLITS)
          + ", not '" + s + "'");
    }
    return s;
  }

  /** {@code labelOffset}, else the {@code dataset}'s, else 1 (slim's 1-based labels). */
  public int labelOffset() {
    String v = get(LABEL_OFFSET);
    if (v == null) {
      DatasetLayout l = layout();
      return l == null ? 1 : l.labelOffset();
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("option " + LABEL_OFFSET + ": must be an integer, not '" + v + "'");
    }
  }

  /** {@code onBadRecord}: fail (default) or skip. */
  public BadRecordPolicy onBadRecord() {
    String v = get(ON_BAD_RECORD);
    if (v == null) {
      return BadRecordPolicy.FAIL;
    }
    try {
      return BadRecordPolicy.valueOf(v.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new UserError("option " + ON_BAD_RECORD + ": must be fail or skip, not '" + v + "'");
    }
  }

  /** {@code maxImagePixels}; -1 when not given (the images are then not looked at). */
  public long maxImagePixels() {
    String v = get(MAX_IMAGE_PIXELS);
    if (v == null) {
      return -1;
    }
    long pixels;
    try {
      pixels = Long.parseLong(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("option " + MAX_IMAGE_PIXELS + ": must be a positive integer, not '" + v + "'");
    }
    UserError.require(pixels > 0, "option " + MAX_IMAGE_PIXELS + ": must be positive, not " + pixels);
    return pixels;
  }

  /** {@code prefix} of the shard names written ({@code <prefix>-00000-of-00004}); default "part". */
  public String prefix() {
    String p = get(PREFIX);
    if (p == null) {
      return DEFAULT_PREFIX;
    }
    UserError.require(!p.isEmpty() && !p.contains("/") && !p.startsWith(".") && !p.startsWith("_"),
        "option " + PREFIX + ": must be non-empty, without '/', not starting with '.' or '_', not '" + p + "'");
    return p;
  }

  /** {@code numShards}, or -1 for one shard per partition of the data written. */
  public int numShards() {
    String v = get(NUM_SHARDS);
    if (v == null) {
      return -1;
    }
    int n;
    try {
      n = Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new UserError("option " + NUM_SHARDS + ": must be an integer in 1..99999, not '" + v + "'");
    }
    UserError.require(n >= 1 && n <= 99999, "option " + NUM_SHARDS + ": must be in 1..99999, not " + n);
    return n;
  }

  /** The reader's options; a SKIP policy counts into {@code counter}. */
  public ReadOptions readOptions(BadRecordCounter counter) {
    ReadOptions r = ReadOptions.defaults().withLabelOffset(labelOffset()).withOnBadRecord(onBadRecord());
    if (onBadRecord() == BadRecordPolicy.SKIP) {
      r = r.withCounter(counter);
    }
    long pixels = maxImagePixels();
    return pixels > 0 ? r.withMaxImagePixels(pixels) : r;
  }

  /** The writer's options ({@code overwrite} comes from the save mode). */
  public WriteOptions writeOptions(boolean overwrite) {
    return WriteOptions.defaults().withLabelOffset(labelOffset()).withGzip(gzip()).withOverwrite(overwrite);
  }

  private String get(String key) {
    return options.get(key.toLowerCase(Locale.ROOT));
  }
}
