package org.selfsup.train;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.selfsup.data.HadoopFiles;
import org.selfsup.metrics.TrainingSummaries;
import org.selfsup.runtime.ResidentMemory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One progress line per chunk (epoch, step, loss, pretext accuracy, lr, images/s, ETA) and
 * the same numbers appended to {@code WORKDIR/metrics.csv}, for a person or a notebook. loss is
 * the last minibatch's; pretext_loss and pretext_accuracy are on a fixed held-out batch, in
 * inference mode; a fresh run starts with a step-0 row of the untrained network's. The same
 * numbers go to TensorBoard and the learning-curve plot ({@link TrainingSummaries}).
 */
final class Progress {
  /** metrics.csv's columns before data_wait_share; a resumed run of that age gets the column added. */
  static final String HEADER_WITHOUT_WAIT =
      "time,epoch,step,images_seen,loss,pretext_accuracy,learning_rate,images_per_second,pretext_loss,"
          + "records_used,records_skipped";
  /** data_wait_share: of the chunk's time, the share training waited for its minibatches to be built. */
  static final String HEADER = HEADER_WITHOUT_WAIT + ",data_wait_share";
  private static final Logger LOG = LoggerFactory.getLogger(Progress.class);

  private final Configuration conf;
  private final Path metrics;
  private final double totalEpochs;
  private final long imagesPerEpoch;
  private final long startImages;
  private final long startNanos = System.nanoTime();
  private TrainingSummaries summaries;

  Progress(Configuration conf, String workdir, double totalEpochs, long imagesPerEpoch, Checkpoint.State state) {
    this.conf = conf;
    this.metrics = new Path(workdir, "metrics.csv");
    this.totalEpochs = totalEpochs;
    this.imagesPerEpoch = imagesPerEpoch;
    this.startImages = state.imagesSeen;
  }

  /**
   * Drops the rows of steps after {@code step}: a run killed after its last checkpoint wrote
   * them, and the resumed run writes them again. -1 (a fresh start) drops every row. The
   * TensorBoard events of those steps go too.
   */
  void dropRowsAfter(long step) throws IOException {
    summaries = TrainingSummaries.open(conf, metrics.getParent().toString(), step);
    FileSystem fs = HadoopFiles.of(metrics, conf);
    if (!fs.exists(metrics)) {
      return;
    }
    String[] lines;
    try (java.io.InputStream in = fs.open(metrics)) {
      lines = withCurrentHeader(new String(in.readAllBytes(), StandardCharsets.UTF_8)).split("\n");
    }
    StringBuilder kept = new StringBuilder();
    int dropped = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      if (i == 0) {
        kept.append(lines[i]).append('\n');
        continue;
      }
      String[] fields = lines[i].split(",", -1);
      long rowStep;
      try {
        rowStep = Long.parseLong(fields[2]);
      } catch (RuntimeException notARow) {
        rowStep = Long.MAX_VALUE; // a torn last line
      }
      if (rowStep <= step) {
        kept.append(lines[i]).append('\n');
      } else {
        dropped++;
      }
    }
    if (dropped > 0 || !lines[0].equals(HEADER)) {
      LOG.info("{}: dropped {} rows after step {} (written after the checkpoint this run resumes from)", metrics,
          dropped, Math.max(step, 0));
      try (OutputStream out = fs.create(metrics, true)) {
        out.write(kept.toString().getBytes(StandardCharsets.UTF_8));
      }
      summaries.plot(kept.toString());
    }
  }

  /** The untrained network's held-out pretext loss and accuracy, as the step-0 row. */
  void untrained(PretextProbe.Result probe) throws IOException {
    LOG.info(String.format(Locale.ROOT, "before training: pretext loss %.4f pretext acc %s", probe.loss,
        accuracy(probe.accuracy)));
    append(String.format(Locale.ROOT, "%s,0.0000,0,0,NaN,%.4f,0,0,%.6f,0,0,NaN%n", Instant.now(), probe.accuracy,
        probe.loss));
    summaries.untrained(probe.loss, probe.accuracy);
  }

  /** The task's network inputs at step 0, one PNG per image. */
  void inputs(java.util.List<byte[]> pngs) throws IOException {
    summaries.inputs(pngs);
  }

  private static String accuracy(double a) {
    return Double.isNaN(a) ? "-" : String.format(Locale.ROOT, "%.3f", a);
  }

  /**
   * {@code waitSeconds}: of {@code seconds}, the time training waited for the chunk's minibatches
   * (NaN: not measured); {@code recordsUsed}, {@code recordsSkipped}: this chunk's (--on_bad_record skip).
   */
  void chunkDone(Checkpoint.State state, double loss, PretextProbe.Result probe, double lr, long images, double seconds,
      double waitSeconds, long recordsUsed, long recordsSkipped) throws IOException {
    double waitShare = waitSeconds / Math.max(seconds, 1e-9);
    double pretextAccuracy = probe.accuracy;
    double rate = images / Math.max(seconds, 1e-9);
    double overall = (state.imagesSeen - startImages) / Math.max((System.nanoTime() - startNanos) / 1e9, 1e-9);
    double remaining = Math.max(0, totalEpochs - state.epochsDone) * imagesPerEpoch;
    LOG.info(String.format(Locale.ROOT,
        "epoch %.3f/%s step %d loss %.4f pretext loss %.4f acc %s lr %.5f %.1f images/s (waited for data %s) ETA %s, "
            + "driver resident %s",
        state.epochsDone, trim(totalEpochs), state.steps, loss, probe.loss, accuracy(pretextAccuracy), lr, rate,
        Double.isNaN(waitShare) ? "-" : String.format(Locale.ROOT, "%.0f%%", 100 * waitShare),
        duration(remaining / Math.max(overall, 1e-9)), ResidentMemory.describe(ResidentMemory.bytes())));
    append(String.format(Locale.ROOT, "%s,%.4f,%d,%d,%.6f,%.4f,%.6g,%.2f,%.6f,%d,%d,%.4f%n", Instant.now(),
        state.epochsDone, state.steps, state.imagesSeen, loss, pretextAccuracy, lr, rate, probe.loss, recordsUsed,
        recordsSkipped, waitShare));
    summaries.chunk(state.steps, state.epochsDone, loss, probe.loss, pretextAccuracy, lr, rate, waitShare);
  }

  private void append(String line) throws IOException {
    FileSystem fs = HadoopFiles.of(metrics, conf);
    // read-modify-write: object stores have no append, and the file stays small
    String old = "";
    if (fs.exists(metrics)) {
      try (java.io.InputStream in = fs.open(metrics)) {
        old = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    old = old.isEmpty() ? HEADER + "\n" : withCurrentHeader(old);
    try (OutputStream out = fs.create(metrics, true)) {
      out.write((old + line).getBytes(StandardCharsets.UTF_8));
    }
    summaries.plot(old + line);
  }

  /** A metrics.csv of a run from before data_wait_share, with the column added (NaN: not measured then). */
  static String withCurrentHeader(String csv) {
    if (!csv.startsWith(HEADER_WITHOUT_WAIT + "\n")) {
      return csv;
    }
    StringBuilder out = new StringBuilder(HEADER).append('\n');
    for (String line : csv.substring(HEADER_WITHOUT_WAIT.length() + 1).split("\n")) {
      if (!line.isEmpty()) {
        out.append(line).append(",NaN\n");
      }
    }
    return out.toString();
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }

  static String duration(double seconds) {
    long s = Math.round(seconds);
    return s >= 3600 ? String.format("%dh%02dm", s / 3600, (s % 3600) / 60) : String.format("%dm%02ds", s / 60, s % 60);
  }
}
