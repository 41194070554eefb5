package org.selfsup.data;

import org.selfsup.runtime.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.selfsup.runtime.UserError;

/**
 * Where a dataset's splits lie in its folder of TFRecord shards (configs as data).
 *
 * <p>Splits: {@code train}, {@code val}, {@code trainval}, {@code test}. Of the n sorted train
 * shards, val is the last round(n·40/1024) (at least 1 when n &ge; 2, none when n = 1), train the
 * rest, trainval all of them: for slim ImageNet's 1024 shards, train = 984, val = 40, as in the
 * paper. test is the {@code validation-*} shards, or else the {@code test-*} ones.
 */
public final class DatasetLayout implements Serializable {
  private static final long serialVersionUID = 1L;

  public static final String TRAIN = "train";
  public static final String VAL = "val";
  public static final String TRAINVAL = "trainval";
  public static final String TEST = "test";
  /** The dataset of the committed sample and the quickstart: the --dataset default. */
  public static final String DEFAULT_NAME = "fashion_mnist";
  public static final List<String> SPLITS = Collections.unmodifiableList(Arrays.asList(TRAIN, VAL, TRAINVAL, TEST));

  /** Slim ImageNet: 40 of 1024 train shards are held out as val. */
  static final int VAL_SHARDS_PER_1024 = 40;

  private static final Map<String, DatasetLayout> KNOWN = new LinkedHashMap<>();

  static {
    register(new DatasetLayout("imagenet", 1000, 1, "train-*-of-01024", "validation-*", "test-*"));
    register(new DatasetLayout("places205", 205, 1, "train-*-of-*", "validation-*", "test-*"));
    register(new DatasetLayout("fashion_mnist", 10, 1, "train-*", "validation-*", "test-*"));
    register(new DatasetLayout("generic", -1, 1, "train-*", "validation-*", "test-*"));
  }

  private static void register(DatasetLayout l) {
    KNOWN.put(l.name, l);
  }

  private final String name;
  private final int numClasses;
  private final int labelOffset;
  private final String trainPattern;
  private final List<String> testPatterns;

  /**
   * A layout of one's own.
   *
   * @param numClasses   -1 when unknown
   * @param trainPattern glob (file name only) of the train shards
   * @param testPatterns globs tried in order for the test split; the first that matches wins
   */
  public DatasetLayout(String name, int numClasses, int labelOffset, String trainPattern, String... testPatterns) {
    if (testPatterns.length == 0) {
      throw new IllegalArgumentException("a layout needs at least one test pattern");
    }
    this.name = name;
    this.numClasses = numClasses;
    this.labelOffset = labelOffset;
    this.trainPattern = trainPattern;
    this.testPatterns = Collections.unmodifiableList(Arrays.asList(testPatterns.clone()));
  }

  /**
   * The layout of a known dataset (case-insensitive).
   *
   * @throws UserError for an unknown name, listing the known ones
   */
  public static DatasetLayout forName(String dataset) {
    DatasetLayout l = dataset == null ? null : KNOWN.get(dataset.toLowerCase(Locale.ROOT));
    if (l == null) {
      throw new UserError("unknown dataset '" + dataset + "'; known datasets: "
          + String.join(", ", KNOWN.keySet()));
    }
    return l;
  }

  /** imagenet, places205, fashion_mnist, generic. */
  public static List<String> knownNames() {
    return new ArrayList<>(KNOWN.keySet());
  }

  public String name() {
    return name;
  }

  /** Number of classes; -1 when unknown (generic). */
  public int numClasses() {
    return numClasses;
  }

  /** Subtract from stored labels to get 0-based labels (1 for all known datasets). */
  public int labelOffset() {
    return labelOffset;
  }

  public String trainPattern() {
    return trainPattern;
  }

  public List<String> testPatterns() {
    return testPatterns;
  }

  /** ReadOptions with this dataset's label offset. */
  public ReadOptions readOptions() {
    return ReadOptions.defaults().withLabelOffset(labelOffset);
  }

  /** How many of n train shards are held out as val: round(n·40/1024), at least 1 for n &ge; 2. */
  public static int valShardCount(int n) {
    if (n <= 1) {
      return 0;
    }
    return (int) Math.max(1, Math.round(n * (double) VAL_SHARDS_PER_1024 / 1024));
  }

  /**
   * The shard files of one split, fully qualified and sorted.
   *
   * @param split train, val, trainval or test
   * @throws UserError for an unknown split (listing the valid ones), a split without
   *                                  files (naming the folder and the pattern), or val with a single
   *                                  train shard
   */
  public List<String> files(Configuration conf, String datasetDir, String split) {
    if (split == null || !SPLITS.contains(split)) {
      throw new UserError("unknown split '" + split + "'; valid splits: "
          + String.join(", ", SPLITS));
    }
    Path dir = new Path(datasetDir);
    try {
      FileSystem fs = dir.getFileSystem(conf);
      if (TEST.equals(split)) {
        for (String pattern : testPatterns) {
          List<String> found = glob(fs, dir, pattern);
          if (!found.isEmpty()) {
            return found;
          }
        }
        throw new UserError("no " + TEST + " shards for dataset " + name + " in "
            + datasetDir + ": nothing matches " + String.join(" or ", testPatterns));
      }
      List<String> train = glob(fs, dir, trainPattern);
      if (train.isEmpty()) {
        throw new UserError("no " + split + " shards for dataset " + name + " in "
            + datasetDir + ": nothing matches " + trainPattern);
      }
      int n = train.size();
      int nVal = valShardCount(n);
      switch (split) {
        case TRAINVAL:
          return train;
        case TRAIN:
          return new ArrayList<>(train.subList(0, n - nVal));
        default: // VAL
          if (nVal == 0) {
            throw new UserError("no " + VAL + " split for dataset " + name + " in "
                + datasetDir + ": there is only " + n + " train shard (" + trainPattern
                + ") and val is carved out of the train shards; write at least 2 train shards"
                + " or use " + TRAINVAL);
          }
          return new ArrayList<>(train.subList(n - nVal, n));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + datasetDir + ": " + e.getMessage(), e);
    }
  }

  private static List<String> glob(FileSystem fs, Path dir, String pattern) throws IOException {
    FileStatus[] st = fs.globStatus(new Path(dir, pattern));
    List<String> out = new ArrayList<>();
    if (st != null) {
      for (FileStatus s : st) {
        if (s.isFile() && !TFRecordSource.isHidden(s.getPath())) {
          out.add(fs.makeQualified(s.getPath()).toString());
        }
      }
    }
    Collections.sort(out);
    return out;
  }

  @Override
  public String toString() {
    return "DatasetLayout{" + name + ", classes=" + numClasses + ", train=" + trainPattern
        + ", test=" + testPatterns + "}";
  }
}
