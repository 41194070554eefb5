package org.selfsup.metrics;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a person watches of a pretraining run, next to its metrics.csv: TensorBoard event files in
 * {@code WORKDIR/tensorboard/} (scalars per chunk, the network inputs at step 0) and the learning
 * curves {@code WORKDIR/plots/learning_curves.png}, drawn again from metrics.csv at every chunk.
 * A resumed run keeps the events up to the step it resumes from, as metrics.csv keeps its rows.
 */
public final class TrainingSummaries {
  public static final String TENSORBOARD = "tensorboard";
  public static final String LEARNING_CURVES = "plots/learning_curves.png";
  public static final String LOSS = "train/loss";
  public static final String LEARNING_RATE = "train/learning_rate";
  public static final String IMAGES_PER_SECOND = "train/images_per_second";
  /** Of a chunk's time, the share training waited for its minibatches. */
  public static final String DATA_WAIT_SHARE = "train/data_wait_share";
  public static final String EPOCH = "train/epoch";
  public static final String PRETEXT_LOSS = "pretext/heldout_loss";
  public static final String PRETEXT_ACCURACY = "pretext/heldout_accuracy";
  public static final String INPUTS = "network_inputs";
  private static final Logger LOG = LoggerFactory.getLogger(TrainingSummaries.class);

  private final Configuration conf;
  private final String workdir;
  private final EventLog events;
  private boolean plotFailed;

  private TrainingSummaries(Configuration conf, String workdir, EventLog events) {
    this.conf = conf;
    this.workdir = workdir;
    this.events = events;
  }

  /**
   * The summaries of a run resuming after step {@code resumedStep} (its events up to that step
   * kept, later ones dropped), or of a fresh run for -1 (every earlier event dropped).
   */
  public static TrainingSummaries open(Configuration conf, String workdir, long resumedStep) throws IOException {
    EventLog events = EventLog.open(conf, new Path(workdir, TENSORBOARD).toString(), step -> step <= resumedStep);
    if (resumedStep >= 0) {
      events.sessionStart(resumedStep + 1);
    }
    return new TrainingSummaries(conf, workdir, events);
  }

  /** The untrained network's held-out pretext loss and accuracy, at step 0. */
  public void untrained(double pretextLoss, double pretextAccuracy) throws IOException {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put(PRETEXT_LOSS, pretextLoss);
    v.put(PRETEXT_ACCURACY, pretextAccuracy);
    events.scalars(0, v);
    events.flush();
  }

  /** The task's network inputs (one PNG per image, as {@code inspect --task} draws them), at step 0. */
  public void inputs(List<byte[]> pngs) throws IOException {
    events.images(INPUTS, 0, pngs);
    events.flush();
  }

  /** One chunk's numbers, at the step reached after it. */
  public void chunk(long step, double epoch, double loss, double pretextLoss, double pretextAccuracy,
      double learningRate, double imagesPerSecond, double dataWaitShare) throws IOException {
    Map<String, Double> v = new LinkedHashMap<>();
    v.put(LOSS, loss);
    v.put(PRETEXT_LOSS, pretextLoss);
    v.put(PRETEXT_ACCURACY, pretextAccuracy);
    v.put(LEARNING_RATE, learningRate);
    v.put(IMAGES_PER_SECOND, imagesPerSecond);
    if (!Double.isNaN(dataWaitShare)) {
      v.put(DATA_WAIT_SHARE, dataWaitShare);
    }
    v.put(EPOCH, epoch);
    events.scalars(step, v);
    events.flush();
  }

  /**
   * Draws the learning curves of {@code metricsCsv} (the whole metrics.csv text). A failure to draw
   * is logged (once) and the run goes on: the plot is a convenience, the CSV holds the numbers.
   */
  public void plot(String metricsCsv) {
    String png = new Path(workdir, LEARNING_CURVES).toString();
    try {
      LearningCurves.write(conf, metricsCsv, png);
    } catch (Exception | LinkageError e) {
      if (!plotFailed) {
        LOG.warn("cannot draw {}: {} (training goes on; metrics.csv has the numbers)", png, e.toString());
      }
      plotFailed = true;
    }
  }
}
