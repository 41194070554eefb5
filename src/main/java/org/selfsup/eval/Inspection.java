package org.selfsup.eval;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.BadRecordException;
import org.selfsup.data.BadRecordSummary;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskExample;
import org.selfsup.tasks.TaskPictures;
import org.selfsup.train.ExampleBatcher;
import scala.Tuple3;

/**
 * A look at a TFRecord dataset, checked by {@link InspectConfig#validate()}: its schema, records
 * per split and the label histogram of one split (one pass over every file), then the first images
 * of that split after a spec (or a task's network inputs), optionally dumped as PNG files, and one
 * line of record counts.
 *
 * <p>The images are a second pass over the first records of the split, read with
 * {@link ReadOptions#rereading()}: a bad record met again is neither logged nor counted twice;
 * an image found undecodable (or too large) there is skipped and counted, and the next one shown.
 */
public final class Inspection {
  private final InspectConfig config;
  private final DatasetLayout layout;
  private final int labelOffset;
  private final Preprocessing spec;
  private final Task task;

  Inspection(InspectConfig config, DatasetLayout layout, int labelOffset, Preprocessing spec, Task task) {
    this.config = config;
    this.layout = layout;
    this.labelOffset = labelOffset;
    this.spec = spec;
    this.task = task;
  }

  /** The spec the images are shown after. */
  public Preprocessing spec() {
    return spec;
  }

  /** Prints the inspection to {@code out}; returns its record counts. */
  public BadRecordSummary run(SparkSession spark, PrintStream out) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    BadRecordCounter counter = BadRecordCounter.create(spark);
    ReadOptions options = ReadOptions.defaults().withLabelOffset(labelOffset).withOnBadRecord(config.onBadRecord)
        .withMaxImagePixels(config.maxImagePixels).withCounter(counter);

    Map<String, List<String>> splitFiles = new LinkedHashMap<>();
    for (String s : DatasetLayout.SPLITS) {
      try {
        splitFiles.put(s, layout.files(conf, config.datasetDir, s));
      } catch (UserError absent) {
        // e.g. a dataset without a test split: shown as absent
      }
    }
    if (!splitFiles.containsKey(config.split)) {
      layout.files(conf, config.datasetDir, config.split); // throws the layout's own message
    }
    LinkedHashSet<String> allFiles = new LinkedHashSet<>();
    splitFiles.values().forEach(allFiles::addAll);
    Dataset<Row> records = TFRecordSource.read(spark, new ArrayList<>(allFiles), options);

    out.printf("dataset %s (%s layout, label offset %d)%n", config.datasetDir, layout.name(), labelOffset);
    out.println("schema:");
    out.print(records.schema().treeString());

    // The one pass over every record: counts per (file, label), from which both tables follow.
    List<Row> perFileLabel = records.groupBy(SlimSchema.FILE, SlimSchema.LABEL)
        .agg(count("*").as("n"), first(SlimSchema.TEXT, true).as("text")).collectAsList();
    Map<String, Long> perFile = new LinkedHashMap<>();
    long rows = 0;
    for (Row r : perFileLabel) {
      perFile.merge(r.getString(0), r.getLong(2), Long::sum);
      rows += r.getLong(2);
    }
    out.println("records per split:");
    for (Map.Entry<String, List<String>> e : splitFiles.entrySet()) {
      long n = e.getValue().stream().mapToLong(f -> perFile.getOrDefault(f, 0L)).sum();
      out.printf("  %-9s %10d records in %5d shards%n", e.getKey(), n, e.getValue().size());
    }
    printHistogram(out, perFileLabel, new LinkedHashSet<>(splitFiles.get(config.split)));

    long skippedByReader = counter.total();
    if (config.numImages > 0) {
      showImages(spark, out, splitFiles.get(config.split), options.rereading(), conf);
    }
    // every row counted above was used, except those whose image the second pass skipped
    counter.used(rows - (counter.total() - skippedByReader));
    BadRecordSummary summary = counter.snapshot();
    out.println(summary.summaryLine());
    return summary;
  }

  private void printHistogram(PrintStream out, List<Row> perFileLabel, java.util.Set<String> files) {
    TreeMap<Integer, long[]> counts = new TreeMap<>();
    Map<Integer, String> texts = new TreeMap<>();
    for (Row r : perFileLabel) {
      if (files.contains(r.getString(0))) {
        counts.computeIfAbsent(r.getInt(1), k -> new long[1])[0] += r.getLong(2);
        if (!r.isNullAt(3)) {
          texts.putIfAbsent(r.getInt(1), r.getString(3));
        }
      }
    }
    out.printf("label histogram (%s):%n", config.split);
    long max = counts.values().stream().mapToLong(c -> c[0]).max().orElse(1);
    for (Map.Entry<Integer, long[]> e : counts.entrySet()) {
      long n = e.getValue()[0];
      int bar = (int) Math.round(40.0 * n / max);
      out.printf("  %5d %-16s %8d %s%n", e.getKey(), texts.getOrDefault(e.getKey(), ""), n, "#".repeat(bar));
    }
  }

  private void showImages(SparkSession spark, PrintStream out, List<String> files, ReadOptions options,
      Configuration conf) throws IOException {
    List<Tuple3<String, String, byte[]>> shown = TFRecordSource.read(spark, files, options).javaRDD()
        .flatMap(new Render(spec, task, config.seed, options)).take(config.numImages);
    out.printf("first %d images (%s), spec '%s':%n", shown.size(), config.split, spec.spec());
    for (int i = 0; i < shown.size(); i++) {
      out.println("  " + shown.get(i)._1());
      if (config.dump != null) {
        Path path = new Path(config.dump, String.format("%03d_%s.png", i, shown.get(i)._2()));
        FileSystem fs = HadoopFiles.of(path, conf);
        try (OutputStream os = fs.create(path, true)) {
          os.write(shown.get(i)._3());
        }
      }
    }
    if (config.dump != null) {
      out.printf("wrote %d PNG files to %s%n", shown.size(), config.dump);
    }
  }

  /** Executor side: one record → (its line, a file name, a PNG), or nothing for a skipped bad record. */
  private static final class Render implements FlatMapFunction<Row, Tuple3<String, String, byte[]>>, Serializable {
    private static final long serialVersionUID = 1L;
    private static final Preprocessing DECODE = Preprocessing.parse("decode");
    private final Preprocessing spec;
    private final Task task;
    private final long seed;
    private final ReadOptions options;

    Render(Preprocessing spec, Task task, long seed, ReadOptions options) {
      this.spec = spec;
      this.task = task;
      this.seed = seed;
      this.options = options;
    }

    @Override
    public Iterator<Tuple3<String, String, byte[]>> call(Row row) {
      try {
        return Collections.singletonList(render(row)).iterator();
      } catch (BadRecordException e) {
        options.skipOrThrow(e);
        return Collections.emptyIterator();
      }
    }

    private Tuple3<String, String, byte[]> render(Row row) {
      byte[] encoded = row.getAs(SlimSchema.IMAGE);
      Image decoded = RecordImages.apply(DECODE, row, seed, options.maxImagePixels());
      Image after = RecordImages.apply(spec, row, seed, options.maxImagePixels());
      String taskPart = "";
      String nameSuffix = "";
      byte[] png = null;
      if (task != null) {
        List<TaskExample> examples = ExampleBatcher.examplesOf(task, spec, row, seed, 0, options.maxImagePixels());
        taskPart = String.format("; %s: %d examples of %d view(s) %dx%d, labels %s", task.name(),
            examples.size(), examples.get(0).views().length, examples.get(0).views()[0].height(),
            examples.get(0).views()[0].width(), TaskPictures.labels(examples));
        png = ImageCodec.toViewablePng(TaskPictures.render(examples));
        nameSuffix = "_" + task.name() + "_" + TaskPictures.labels(examples).replace(',', '-');
      }
      String file = row.getAs(SlimSchema.FILE);
      String text = row.getAs(SlimSchema.TEXT);
      String line = String.format("%s #%d label %d%s: %s %d bytes, decoded %dx%dx%d, after spec %dx%dx%d",
          file.substring(file.lastIndexOf('/') + 1), row.<Long>getAs(SlimSchema.RECORD),
          row.<Integer>getAs(SlimSchema.LABEL), text == null ? "" : " (" + text + ")",
          row.getAs(SlimSchema.FORMAT) == null ? "?" : row.getAs(SlimSchema.FORMAT), encoded.length,
          decoded.height(), decoded.width(), decoded.channels(), after.height(), after.width(), after.channels())
          + taskPart;
      String textPart = text == null ? "" : "_" + text.replaceAll("[^A-Za-z0-9]+", "-");
      String name = String.format("label%d%s%s", row.<Integer>getAs(SlimSchema.LABEL), textPart, nameSuffix);
      return new Tuple3<>(line, name, png != null ? png : ImageCodec.toViewablePng(after));
    }
  }
}
