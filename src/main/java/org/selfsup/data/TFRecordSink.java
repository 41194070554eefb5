package org.selfsup.data;

import org.selfsup.runtime.UserError;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.util.SerializableConfiguration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.hadoop.util.TFRecordWriter;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;
import org.selfsup.runtime.UserError;

/**
 * Writes a DataFrame (at least {@code image} and {@code label} columns, see {@link SlimSchema}) as
 * slim-named TFRecord shards {@code <dir>/<prefix>-00000-of-00004}, plain or GZIP, with
 * tensorflow-hadoop's {@link TFRecordWriter}. Each shard is written under a hidden temporary name
 * in the same folder and renamed when complete.
 */
public final class TFRecordSink {
  private static final Logger LOG = LoggerFactory.getLogger(TFRecordSink.class);

  private TFRecordSink() {
  }

  /** The slim shard name, e.g. {@code shardName("train", 0, 4) = "train-00000-of-00004"}. */
  public static String shardName(String prefix, int shard, int numShards) {
    return String.format("%s-%05d-of-%05d", prefix, shard, numShards);
  }

  /**
   * Repartitions {@code rows} to {@code numShards} and writes one shard per partition (empty
   * partitions give empty shards, so there are always {@code numShards} files).
   *
   * @return the shard paths (fully qualified), in shard order
   * @throws IllegalStateException    when {@code outputDir} already has shards named
   *                                  {@code prefix-*-of-*} and overwrite is off
   * @throws IllegalArgumentException for numShards &lt; 1 or an empty / path-like prefix
   */
  public static List<String> write(Dataset<Row> rows, String outputDir, String prefix, int numShards,
                   WriteOptions options) {
    if (numShards < 1 || numShards > 99999) {
      throw new UserError("numShards must be in 1..99999, got " + numShards);
    }
    if (prefix == null || prefix.isEmpty() || prefix.contains("/") || prefix.startsWith(".")
        || prefix.startsWith("_")) {
      throw new UserError("bad shard prefix '" + prefix
          + "': must be non-empty, without '/', not starting with '.' or '_'");
    }
    Configuration conf = rows.sparkSession().sparkContext().hadoopConfiguration();
    Path dir = new Path(outputDir);
    String qualifiedDir;
    try {
      FileSystem fs = HadoopFiles.of(dir, conf);
      dir = fs.makeQualified(dir);
      qualifiedDir = dir.toString();
      List<Path> existing = existingShards(fs, dir, prefix, false);
      if (!existing.isEmpty() || options.overwrite()) {
        if (!options.overwrite()) {
          throw new UserError(qualifiedDir + " already has " + existing.size()
              + " shard(s) named " + prefix + "-*-of-* (e.g. " + existing.get(0).getName()
              + "); refusing to mix shards: delete them or overwrite them (--overwrite)");
        }
        existing = existingShards(fs, dir, prefix, true);
        if (!existing.isEmpty()) {
          LOG.info("overwrite: deleting {} existing {}-* shard(s) and temporaries in {}", existing.size(), prefix, dir);
        }
        for (Path p : existing) {
          if (!fs.delete(p, false) && fs.exists(p)) {
            throw new IOException("cannot delete " + p);
          }
        }
      }
      fs.mkdirs(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + outputDir + ": " + e.getMessage(), e);
    }
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(rows.sparkSession().sparkContext());
    Broadcast<SerializableConfiguration> confB = jsc.broadcast(new SerializableConfiguration(conf));
    List<String> written = new ArrayList<>(rows.repartition(numShards).toJavaRDD()
        .mapPartitionsWithIndex(new WriteShard(confB, qualifiedDir, prefix, numShards, options), false)
        .collect());
    Collections.sort(written);
    LOG.info("wrote {} shard(s) {}-*-of-{} to {}", written.size(), prefix,
        String.format("%05d", numShards), qualifiedDir);
    return written;
  }

  /** {@link #write(Dataset, String, String, int, WriteOptions)} with {@link WriteOptions#defaults()}. */
  public static List<String> write(Dataset<Row> rows, String outputDir, String prefix, int numShards) {
    return write(rows, outputDir, prefix, numShards, WriteOptions.defaults());
  }

  /** Shards (any count) of {@code prefix} in {@code dir}, and, if asked, leftover temporaries. */
  private static List<Path> existingShards(FileSystem fs, Path dir, String prefix, boolean withTemporaries)
      throws IOException {
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    Pattern shard = Pattern.compile(Pattern.quote(prefix) + "-\\d{5}-of-\\d{5}");
    Pattern temp = Pattern.compile("\\." + Pattern.quote(prefix) + "-\\d{5}-of-\\d{5}\\.inprogress-.*");
    for (FileStatus st : fs.listStatus(dir)) {
      String n = st.getPath().getName();
      if (shard.matcher(n).matches() || (withTemporaries && temp.matcher(n).matches())) {
        out.add(st.getPath());
      }
    }
    out.sort(null);
    return out;
  }

  /** Executor side: writes one partition as one shard; returns its path. */
  private static final class WriteShard implements Function2<Integer, Iterator<Row>, Iterator<String>> {
    private static final long serialVersionUID = 1L;
    private final Broadcast<SerializableConfiguration> conf;
    private final String dir;
    private final String prefix;
    private final int numShards;
    private final WriteOptions options;

    WriteShard(Broadcast<SerializableConfiguration> conf, String dir, String prefix, int numShards,
          WriteOptions options) {
      this.conf = conf;
      this.dir = dir;
      this.prefix = prefix;
      this.numShards = numShards;
      this.options = options;
    }

    @Override
    public Iterator<String> call(Integer shard, Iterator<Row> rows) throws IOException {
      String name = shardName(prefix, shard, numShards);
      Path finalPath = new Path(dir, name);
      TaskContext tc = TaskContext.get();
      String attempt = tc == null ? Long.toString(System.nanoTime()) : Long.toString(tc.taskAttemptId());
      Path tmp = new Path(dir, "." + name + ".inprogress-" + attempt);
      FileSystem fs = HadoopFiles.of(finalPath, conf.value().value());
      long n = 0;
      boolean ok = false;
      try {
        FSDataOutputStream raw = fs.create(tmp, true);
        try (DataOutputStream out = new DataOutputStream(stream(raw))) {
          TFRecordWriter writer = new TFRecordWriter(out);
          while (rows.hasNext()) {
            writer.write(SlimSchema.toExample(rows.next(), options.labelOffset()).toByteArray());
            n++;
          }
        }
        if (!fs.rename(tmp, finalPath)) {
          if (fs.exists(finalPath)) {
            // another attempt (speculation) finished this shard first
            LOG.warn("{} already written by another task attempt; dropping this attempt's copy",
                finalPath);
            fs.delete(tmp, false);
          } else {
            throw new IOException("cannot rename " + tmp + " to " + finalPath);
          }
        }
        ok = true;
      } finally {
        if (!ok) {
          try {
            fs.delete(tmp, false);
          } catch (IOException ignored) {
            // the original failure matters more
          }
        }
      }
      LOG.debug("wrote {} records to {}", n, finalPath);
      return Collections.singletonList(fs.makeQualified(finalPath).toString()).iterator();
    }

    private OutputStream stream(FSDataOutputStream raw) throws IOException {
      return options.gzip()
          ? new GZIPOutputStream(raw, 1 << 16)
          : new BufferedOutputStream(raw, 1 << 16);
    }
  }
}
