package org.selfsup.data;

import com.google.protobuf.InvalidProtocolBufferException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.selfsup.runtime.UserError;
import org.tensorflow.example.Example;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.TreeSet;

/**
 * Reads TF-slim TFRecord shards (plain or GZIP) into a DataFrame of {@link SlimSchema#schema()},
 * one Spark partition per file, streaming records one at a time.
 */
public final class TFRecordSource {
  private static final Logger LOG = LoggerFactory.getLogger(TFRecordSource.class);

  private TFRecordSource() {
  }

  /**
   * @param pathsOrGlobs files, Hadoop globs or folders (a folder stands for its non-hidden files),
   *                     in any Hadoop scheme (file:, hdfs:, s3a:, gs:, ...)
   * @throws UserError                when an entry matches no file ("no TFRecord files match ...")
   * @throws IllegalStateException     when SKIP is asked for without a counter
   * @throws BadRecordException       (inside Spark's exception; see {@link BadRecordException#findIn})
   *                                  on the first bad record under FAIL, when an action runs
   */
  public static Dataset<Row> read(SparkSession spark, List<String> pathsOrGlobs, ReadOptions options) {
    if (options.onBadRecord() == BadRecordPolicy.SKIP && options.counter() == null) {
      throw new IllegalStateException("onBadRecord=SKIP needs a BadRecordCounter to report the skipped"
          + " records: use ReadOptions.skipping(BadRecordCounter.create(spark))");
    }
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    List<String> files = listFiles(conf, pathsOrGlobs);
    LOG.info("reading {} TFRecord file(s) ({})", files.size(), options);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(conf));
    JavaRDD<Row> rows = jsc.parallelize(files, files.size())
        .mapPartitions(new ReadShards(confB, options));
    return spark.createDataFrame(rows, SlimSchema.schema());
  }

  /** {@link #read(SparkSession, List, ReadOptions)} with {@link ReadOptions#defaults()}. */
  public static Dataset<Row> read(SparkSession spark, List<String> pathsOrGlobs) {
    return read(spark, pathsOrGlobs, ReadOptions.defaults());
  }

  /**
   * The files that the given paths / globs / folders stand for, fully qualified, sorted, without
   * duplicates.
   *
   * @throws UserError "no TFRecord files match &lt;path&gt;" when one matches nothing
   */
  public static List<String> listFiles(Configuration conf, List<String> pathsOrGlobs) {
    if (pathsOrGlobs == null || pathsOrGlobs.isEmpty()) {
      throw new UserError("no TFRecord paths given");
    }
    TreeSet<String> out = new TreeSet<>();
    for (String p : pathsOrGlobs) {
      List<String> matched = new ArrayList<>();
      try {
        Path path = new Path(p);
        FileSystem fs = path.getFileSystem(conf);
        FileStatus[] statuses = fs.globStatus(path);
        if (statuses != null) {
          for (FileStatus st : statuses) {
            if (st.isDirectory()) {
              for (FileStatus child : fs.listStatus(st.getPath())) {
                if (child.isFile() && !isHidden(child.getPath())) {
                  matched.add(fs.makeQualified(child.getPath()).toString());
                }
              }
            } else {
              matched.add(fs.makeQualified(st.getPath()).toString());
            }
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + p + ": " + e.getMessage(), e);
      }
      if (matched.isEmpty()) {
        throw new UserError("no TFRecord files match " + p);
      }
      out.addAll(matched);
    }
    return new ArrayList<>(out);
  }

  /**
   * The encoded image of the first of the first {@code maxRecords} records of {@code file} that
   * is readable and decodes within {@code maxPixels}, read through Hadoop alone (no Spark), for
   * checking a command line against the real images; null when there is none.
   */
  public static SampleImage sampleImage(Configuration conf, String file, int maxRecords, long maxPixels) {
    Path p = new Path(file);
    try (TFRecordInput input = new TFRecordInput(HadoopFiles.of(p, conf).open(p, 1 << 16), file)) {
      for (int i = 0; i < maxRecords; i++) {
        byte[] payload;
        try {
          payload = input.next();
        } catch (BadRecordException bad) {
          continue; // TFRecordInput ends itself when the rest of the file is lost
        }
        if (payload == null) {
          return null;
        }
        try {
          Example ex = Example.parseFrom(payload);
          org.tensorflow.example.Feature f = ex.getFeatures().getFeatureMap().get(SlimSchema.KEY_IMAGE);
          if (f == null || f.getBytesList().getValueCount() == 0) {
            continue;
          }
          byte[] image = f.getBytesList().getValue(0).toByteArray();
          org.selfsup.preprocess.Image decoded = org.selfsup.preprocess.ImageCodec.decode(image, 3, maxPixels);
          return new SampleImage(image, file, input.lastIndex(), decoded.height(), decoded.width());
        } catch (InvalidProtocolBufferException | RuntimeException unusable) {
          // a bad record or image: the next one will do; the run itself reports it as it should
        }
      }
      return null;
    } catch (BadRecordException unreadable) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }

  /** One record's encoded image, where it came from and its size. */
  public static final class SampleImage {
    public final byte[] encoded;
    public final String file;
    public final long record;
    public final int height;
    public final int width;

    SampleImage(byte[] encoded, String file, long record, int height, int width) {
      this.encoded = encoded;
      this.file = file;
      this.record = record;
      this.height = height;
      this.width = width;
    }

    @Override
    public String toString() {
      return height + "x" + width + " image (record " + record + " in " + file + ")";
    }
  }

  static boolean isHidden(Path p) {
    String n = p.getName();
    return n.startsWith(".") || n.startsWith("_");
  }

  /** Executor side: the rows of the files in one partition (one file per partition). */
  private static final class ReadShards implements FlatMapFunction<Iterator<String>, Row> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SerializableConfiguration> conf;
    private final ReadOptions options;

    ReadShards(Broadcast<SerializableConfiguration> conf, ReadOptions options) {
      this.conf = conf;
      this.options = options;
    }

    @Override
    public Iterator<Row> call(Iterator<String> files) {
      return new RowIterator(files, conf.value().value(), options);
    }
  }

  /** Lazily opens each file and yields its good rows; handles bad records by the policy. */
  static final class RowIterator implements Iterator<Row> {
    private final Iterator<String> files;
    private final Configuration conf;
    private final ReadOptions options;
    private TFRecordInput input;
    private Row next;
    private boolean done;

    RowIterator(Iterator<String> files, Configuration conf, ReadOptions options) {
      this.files = files;
      this.conf = conf;
      this.options = options;
      TaskContext tc = TaskContext.get();
      if (tc != null) {
        tc.addTaskCompletionListener((TaskCompletionListener) ctx -> closeInput());
      }
    }

    @Override
    public boolean hasNext() {
      if (next == null && !done) {
        advance();
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

    private void advance() {
      while (true) {
        if (input == null) {
          if (!files.hasNext()) {
            done = true;
            return;
          }
          String file = files.next();
          try {
            input = open(file);
          } catch (BadRecordException e) {
            bad(e);
            continue;
          }
        }
        if (options.recordsPerFile() > 0 && input.lastIndex() + 1 >= options.recordsPerFile()) {
          closeInput();
          continue;
        }
        byte[] payload;
        try {
          payload = input.next();
        } catch (BadRecordException e) {
          bad(e);
          continue;
        }
        if (payload == null) {
          closeInput();
          continue;
        }
        long record = input.lastIndex();
        try {
          Example ex = Example.parseFrom(payload);
          next = SlimSchema.toRow(ex, input.file(), record, options.labelOffset());
          countRead();
          return;
        } catch (InvalidProtocolBufferException e) {
          bad(BadRecordException.notAnExample(input.file(), record, e));
        } catch (BadRecordException e) {
          bad(e);
        }
      }
    }

    private TFRecordInput open(String file) {
      try {
        Path p = new Path(file);
        FileSystem fs = HadoopFiles.of(p, conf);
        return new TFRecordInput(fs.open(p, 1 << 16), file);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open " + file + ": " + e.getMessage(), e);
      }
    }

    private void countRead() {
      if (options.counter() != null && !options.isRereading()) {
        options.counter().read();
      }
    }

    private void bad(BadRecordException e) {
      boolean restLost = e.kind() != null && e.kind().losesRestOfFile();
      if (options.onBadRecord() == BadRecordPolicy.FAIL) {
        closeInput();
        done = true;
        throw e;
      }
      if (!options.isRereading()) {
        countRead();
        options.counter().add(e);
        if (restLost) {
          long unread = bytesUnread(e.file());
          options.counter().cutShort(e, unread);
          LOG.warn("skipping bad TFRecord: {}; the rest of the file ({}) is not read", e.getMessage(),
              unread >= 0 ? unread + " bytes" : "size unknown");
        } else {
          LOG.warn("skipping bad TFRecord: {}", e.getMessage());
        }
      }
      if (restLost) {
        closeInput();
      }
    }

    /** For a plain file: its length less the bytes read; -1 when unknown (gzip, or no stat). */
    private long bytesUnread(String file) {
      if (input == null || input.isGzip() || file == null) {
        return -1;
      }
      try {
        Path p = new Path(file);
        long length = HadoopFiles.of(p, conf).getFileStatus(p).getLen();
        return Math.max(0, length - input.bytesConsumed());
      } catch (IOException e) {
        return -1;
      }
    }

    private void closeInput() {
      if (input != null) {
        input.close();
        input = null;
      }
    }
  }
}
