package org.selfsup.train;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.ImageBatch;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskExample;

/**
 * Runs on the executors: dataset rows → (shuffle buffer) → preprocessing spec → the task's
 * examples → minibatches of {@code imagesPerBatch} images as DL4J DataSets. All examples of an
 * image land in the same minibatch; a partition's last, smaller batch is kept.
 */
public final class ExampleBatcher implements FlatMapFunction<Iterator<Row>, DataSet> {
  private static final long serialVersionUID = 1L;
  private static final long COPY_SEED_STRIDE = 0x632BE59BD9B4E019L;

  private final Task task;
  private final String spec;
  private final int imagesPerBatch;
  private final int numOutputs;
  private final long seed;
  private final int shuffleBuffer;
  private final ReadOptions readOptions;
  private final boolean channelsLast;

  /** As the constructor with ReadOptions, with the default image size limit. */
  public ExampleBatcher(Task task, String spec, int imagesPerBatch, int numOutputs, long seed, int shuffleBuffer,
      BadRecordPolicy onBadRecord, BadRecordCounter badRecords) {
    this(task, spec, imagesPerBatch, numOutputs, seed, shuffleBuffer,
        ReadOptions.defaults().withOnBadRecord(onBadRecord).withCounter(badRecords));
  }

  /**
   * @param readOptions what to do with a record whose image does not decode or is over
   *                    {@link ReadOptions#maxImagePixels()} (fail, or skip and count), and where
   *                    to count each record turned into examples as used
   */
  public ExampleBatcher(Task task, String spec, int imagesPerBatch, int numOutputs, long seed, int shuffleBuffer,
      ReadOptions readOptions) {
    this(task, spec, imagesPerBatch, numOutputs, seed, shuffleBuffer, readOptions, false);
  }

  private ExampleBatcher(Task task, String spec, int imagesPerBatch, int numOutputs, long seed, int shuffleBuffer,
      ReadOptions readOptions, boolean channelsLast) {
    this.channelsLast = channelsLast;
    this.task = task;
    this.spec = spec;
    this.imagesPerBatch = imagesPerBatch;
    this.numOutputs = numOutputs;
    this.seed = seed;
    this.shuffleBuffer = shuffleBuffer;
    this.readOptions = readOptions;
  }

  /** This batcher with features in NHWC ({@code true}) or NCHW, for a network that trains in that layout. */
  public ExampleBatcher channelsLast(boolean nhwc) {
    return new ExampleBatcher(task, spec, imagesPerBatch, numOutputs, seed, shuffleBuffer, readOptions, nhwc);
  }

  @Override
  public Iterator<DataSet> call(Iterator<Row> rows) {
    Nd4jSetup.configure();
    Preprocessing preprocessing = Preprocessing.parse(spec);
    Iterator<Row> shuffled = new ShuffleBuffer<>(rows, shuffleBuffer, new SplittableRandom(seed));
    return new Iterator<DataSet>() {
      private DataSet next = advance();

      private DataSet advance() {
        List<TaskExample> examples = new ArrayList<>(imagesPerBatch * task.examplesPerImage());
        int images = 0;
        while (images < imagesPerBatch && shuffled.hasNext()) {
          Row row = shuffled.next();
          try {
            examples.addAll(examplesOf(task, preprocessing, row, seed, images, readOptions.maxImagePixels()));
          } catch (BadRecordException e) {
            readOptions.skipOrThrow(e);
            continue;
          }
          readOptions.used(1);
          images++;
        }
        return examples.isEmpty() ? null : toDataSet(examples, numOutputs, channelsLast);
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public DataSet next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        DataSet out = next;
        next = advance();
        return out;
      }
    };
  }

  /**
   * The examples of one record: the spec runs once per copy the task asks for (copy 0 with the
   * record's own seed, so one-copy tasks see exactly {@link RecordImages#apply}'s image).
   */
  public static List<TaskExample> examplesOf(Task task, Preprocessing preprocessing, Row row, long seed, int indexInBatch) {
    return examplesOf(task, preprocessing, row, seed, indexInBatch, ImageCodec.DEFAULT_MAX_PIXELS);
  }

  /** As {@link #examplesOf(Task, Preprocessing, Row, long, int)}, refusing images over {@code maxPixels}. */
  public static List<TaskExample> examplesOf(Task task, Preprocessing preprocessing, Row row, long seed, int indexInBatch,
      long maxPixels) {
    int copies = task.copiesPerImage();
    List<Image> images = new ArrayList<>(copies);
    for (int c = 0; c < copies; c++) {
      images.add(RecordImages.apply(preprocessing, row, seed + c * COPY_SEED_STRIDE, maxPixels));
    }
    String file = row.getAs(SlimSchema.FILE);
    long record = row.<Long>getAs(SlimSchema.RECORD);
    int label = row.<Integer>getAs(SlimSchema.LABEL);
    return task.examples(images, label, indexInBatch, new SplittableRandom(RecordImages.seed(seed + 1, file, record)));
  }

  /**
   * The examples of a file's first images as one DataSet, read on the driver; null without examples.
   * A second look at records the training pass reads and counts: bad ones are skipped (under SKIP)
   * without being counted again.
   */
  static DataSet firstImages(SparkSession spark, String file, int images, Task task, String spec, long seed,
      int numOutputs, ReadOptions readOptions) {
    List<Row> rows = TFRecordSource.read(spark, List.of(file), readOptions.rereading()).limit(images).collectAsList();
    Preprocessing preprocessing = Preprocessing.parse(spec);
    List<TaskExample> examples = new ArrayList<>();
    int index = 0;
    for (Row row : rows) {
      try {
        examples.addAll(examplesOf(task, preprocessing, row, seed, index, readOptions.maxImagePixels()));
        index++;
      } catch (BadRecordException e) {
        if (readOptions.onBadRecord() == BadRecordPolicy.FAIL) {
          throw e;
        }
      }
    }
    return examples.isEmpty() ? null : toDataSet(examples, numOutputs);
  }

  /**
   * Features [examples, views × C, H, W]: the views of an example stacked along the channel axis,
   * which in memory is [examples × views, C, H, W] (what a shared trunk reshapes to); one-hot
   * labels [examples, outputs].
   */
  static DataSet toDataSet(List<TaskExample> examples, int numOutputs) {
    return toDataSet(examples, numOutputs, false);
  }

  /**
   * As {@link #toDataSet(List, int)}; with {@code channelsLast}, features [examples, views × H, W, C]:
   * the views of an example stacked along the height, in memory [examples × views, H, W, C] (what
   * the channels-last copy of a patch network reshapes to).
   */
  static DataSet toDataSet(List<TaskExample> examples, int numOutputs, boolean channelsLast) {
    List<Image> views = new ArrayList<>();
    for (TaskExample ex : examples) {
      for (Image v : ex.views()) {
        views.add(v);
      }
    }
    int perExample = examples.get(0).views().length;
    for (TaskExample ex : examples) {
      if (ex.views().length != perExample) {
        throw new IllegalArgumentException("examples of one batch differ in views: " + perExample + " and "
            + ex.views().length);
      }
    }
    INDArray features = channelsLast ? ImageBatch.toNhwc(views) : ImageBatch.toNchw(views);
    if (perExample > 1) {
      // [examples × views, A, B, C] → [examples, views × A, B, C]: the channels (NCHW) or the height (NHWC)
      long[] s = features.shape();
      features = features.reshape('c', examples.size(), perExample * s[1], s[2], s[3]);
    }
    float[] oneHot = new float[examples.size() * numOutputs];
    for (int i = 0; i < examples.size(); i++) {
      int label = examples.get(i).label();
      if (label < 0 || label >= numOutputs) {
        throw new IllegalArgumentException("example label " + label + " outside 0.." + (numOutputs - 1));
      }
      oneHot[i * numOutputs + label] = 1f;
    }
    INDArray labels = Nd4j.create(oneHot, new long[] {examples.size(), numOutputs}, 'c');
    return new DataSet(features, labels);
  }
}
