package org.selfsup.metrics;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.hadoop.util.TFRecordReader;
import org.tensorflow.hadoop.util.TFRecordWriter;

/**
 * The TensorBoard event files of one run folder: TFRecord-framed {@code Event} protos (framing by
 * tensorflow-hadoop, encoding by {@link EventProto}), each file starting with the
 * {@code brain.Event:2} version record and named like TensorBoard's own
 * ({@code events.out.tfevents.SECONDS.HOST}, later names for later files: TensorBoard reads them
 * in name order), written through Hadoop's FileSystem so that any Hadoop path works.
 *
 * <p>Object stores cannot append: the file being written is kept in memory and written whole at
 * each {@link #flush()} (one PUT on S3A; on a disk a rewrite with the same prefix, which a running
 * TensorBoard reads on from where it was). Past {@value #ROLL_BYTES} bytes the next event starts a
 * new file, so a flush never rewrites more than about that. Opening a folder keeps only the events
 * whose step the caller keeps, rewriting (or deleting) the files that held others: a resumed run
 * drops what a killed run logged after its checkpoint, and no step is in the folder twice.
 */
public final class EventLog {
  static final String FILE_VERSION = "brain.Event:2";
  static final String PREFIX = "events.out.tfevents.";
  static final long ROLL_BYTES = 1 << 20;
  private static final Logger LOG = LoggerFactory.getLogger(EventLog.class);

  private final FileSystem fs;
  private final Path dir;
  private final long rollBytes;
  /** The name the next new file must come after: the last one there, or this log's last. */
  private String lastName;
  private final ByteArrayOutputStream file = new ByteArrayOutputStream();
  private final TFRecordWriter records = new TFRecordWriter(new DataOutputStream(file));
  private Path current;
  private boolean dirty;

  private EventLog(FileSystem fs, Path dir, String lastExisting, long rollBytes) {
    this.fs = fs;
    this.dir = dir;
    this.rollBytes = rollBytes;
    this.lastName = lastExisting;
  }

  /**
   * The event log of {@code dir}; of the events already there, only those with a step that
   * {@code keepStep} accepts stay (version records always); a file left without any is deleted.
   */
  public static EventLog open(Configuration conf, String dir, LongPredicate keepStep) throws IOException {
    return open(conf, dir, keepStep, ROLL_BYTES);
  }

  /** As {@link #open(Configuration, String, LongPredicate)}, starting a new file past {@code rollBytes}. */
  static EventLog open(Configuration conf, String dir, LongPredicate keepStep, long rollBytes) throws IOException {
    Path folder = new Path(dir);
    FileSystem fs = HadoopFiles.of(folder, conf);
    String last = "";
    for (Path f : eventFiles(fs, folder)) {
      last = f.getName();
      long length = fs.getFileStatus(f).getLen();
      List<byte[]> events = read(fs, f);
      List<byte[]> kept = new ArrayList<>();
      boolean data = false;
      long framed = 0;
      for (byte[] e : events) {
        framed += e.length + 16;
        EventProto.Header h = EventProto.header(e);
        if (h.hasSummary || h.hasSessionLog) {
          if (!keepStep.test(h.step)) {
            continue;
          }
          data = true;
        }
        kept.add(e);
      }
      if (!data) {
        fs.delete(f, false);
        LOG.info("{}: deleted (no event of a step kept)", f);
      } else if (kept.size() < events.size() || framed < length) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TFRecordWriter w = new TFRecordWriter(new DataOutputStream(bytes));
        for (byte[] e : kept) {
          w.write(e);
        }
        write(fs, f, bytes.toByteArray());
        LOG.info("{}: rewritten with {} of its {} events{}", f, kept.size(), events.size(),
            framed < length ? " (and without a torn last record)" : "");
      }
    }
    return new EventLog(fs, folder, last, rollBytes);
  }

  /** The event files of a folder in TensorBoard's reading order (by name); none when it does not exist. */
  static List<Path> eventFiles(FileSystem fs, Path dir) throws IOException {
    List<Path> out = new ArrayList<>();
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus s : fs.listStatus(dir)) {
      if (s.isFile() && s.getPath().getName().startsWith(PREFIX)) {
        out.add(s.getPath());
      }
    }
    out.sort((a, b) -> a.getName().compareTo(b.getName()));
    return out;
  }

  /** The event records of one file; a torn last record (a write cut short) ends the file. */
  static List<byte[]> read(FileSystem fs, Path file) throws IOException {
    byte[] bytes;
    try (InputStream in = fs.open(file)) {
      bytes = in.readAllBytes();
    }
    TFRecordReader reader = new TFRecordReader(new ByteArrayInputStream(bytes), true);
    List<byte[]> out = new ArrayList<>();
    while (true) {
      byte[] record;
      try {
        record = reader.read();
      } catch (IOException | RuntimeException torn) {
        LOG.warn("{}: unreadable after {} events ({}); the rest is dropped", file, out.size(), torn.toString());
        break;
      }
      if (record == null) {
        break;
      }
      out.add(record);
    }
    return out;
  }

  /** Scalars of one step, in one event (as float32, TensorBoard's simple_value); NaN values are left out. */
  public synchronized void scalars(long step, Map<String, Double> values) throws IOException {
    Map<String, Float> floats = new LinkedHashMap<>();
    values.forEach((tag, v) -> {
      if (v != null && !Double.isNaN(v)) {
        floats.put(tag, v.floatValue());
      }
    });
    if (!floats.isEmpty()) {
      append(EventProto.scalars(now(), step, floats));
    }
  }

  /** PNG images of one step, in one event, tagged {@code tag/image/0}, {@code tag/image/1}, ... as tf.summary.image does. */
  public synchronized void images(String tag, long step, List<byte[]> pngs) throws IOException {
    Map<String, byte[]> tagged = new LinkedHashMap<>();
    for (int i = 0; i < pngs.size(); i++) {
      tagged.put(tag + "/image/" + i, pngs.get(i));
    }
    if (!tagged.isEmpty()) {
      append(EventProto.images(now(), step, tagged));
    }
  }

  /**
   * A restart at {@code step}: TensorBoard then forgets what it had loaded for that step and later
   * ones (a killed run's events, which {@link #open} dropped from the files).
   */
  public synchronized void sessionStart(long step) throws IOException {
    append(EventProto.sessionStart(now(), step));
  }

  /** Writes the events so far; the next event after a file passes {@value #ROLL_BYTES} bytes goes to a new file. */
  public synchronized void flush() throws IOException {
    if (!dirty) {
      return;
    }
    write(fs, current, file.toByteArray());
    dirty = false;
    if (file.size() > rollBytes) {
      file.reset();
      current = null;
    }
  }

  /** The file the next flush writes, null before the first event. */
  synchronized Path currentFile() {
    return current;
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  private void append(byte[] event) throws IOException {
    if (current == null) {
      current = newFileName();
      records.write(EventProto.fileVersion(now(), FILE_VERSION));
    }
    records.write(event);
    dirty = true;
  }

  /** events.out.tfevents.SECONDS.HOST, after every file already there in name order (TensorBoard's reading order). */
  private Path newFileName() throws IOException {
    String host = host();
    for (long s = System.currentTimeMillis() / 1000;; s++) {
      String base = String.format("%s%010d.%s", PREFIX, s, host);
      for (int n = 0; n < 10; n++) {
        String name = n == 0 ? base : base + "." + n;
        Path p = new Path(dir, name);
        if (name.compareTo(lastName) > 0 && !fs.exists(p)) {
          lastName = name;
          return p;
        }
      }
    }
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "_");
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static void write(FileSystem fs, Path f, byte[] bytes) throws IOException {
    try (OutputStream out = fs.create(f, true)) {
      out.write(bytes);
    }
  }
}
