package org.selfsup.cli;

import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.first;

import java.io.OutputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.data.RecordImages;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordSource;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.TaskExample;
import org.selfsup.tasks.TaskPictures;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.ExampleBatcher;
import org.selfsup.train.TrainConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import scala.Tuple3;

@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Print a TFRecord dataset's schema, records per split, label histogram and image sizes; "
        + "with --preprocess SPEC --dump DIR, write the first images after SPEC as PNG files.")
final class InspectCommand implements Callable<Integer> {
  @Mixin DatasetOptions data = new DatasetOptions();

  @Option(names = "--split", defaultValue = "train", description = "Split for the histogram and the images (default: ${DEFAULT-VALUE}).")
  String split;

  @Option(names = "--num_images", defaultValue = "8", description = "Images to decode, show and dump (default: ${DEFAULT-VALUE}).")
  int numImages;

  @Option(names = "--preprocess", description = "Preprocessing spec, e.g. 'decode|inception_crop(64)|flip_lr|value_range(-1,1)'.")
  String preprocess;

  @Option(names = "--dump", description = "Folder for PNG files of the images after --preprocess (or just decoded).")
  String dump;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the random preprocessing ops.")
  long seed;

  @Option(names = "--task", description = "Show the network inputs of this task instead (default spec: the task's "
      + "training spec at --input_size): one picture per image, one row per example, labels in the file name.")
  String task;

  @Option(names = "--input_size", description = "With --task: as pretrain's --input_size (default: the task's).")
  Integer inputSize;

  @Mixin TaskFlags taskFlags = new TaskFlags();

  @Override
  public Integer call() throws Exception {
    DatasetLayout layout = DatasetLayout.forName(data.dataset);
    if (task != null) {
      Tasks.checkName(task); // before Spark starts
    }
    if (numImages < 0) {
      throw new IllegalArgumentException("--num_images must be >= 0");
    }
    SparkSession spark = SparkSessions.getOrCreate("selfsup inspect");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    Task shownTask = null;
    String defaultSpec = "decode";
    if (task != null) {
      shownTask = Tasks.create(task, taskFlags.toOptions(seed), conf);
      defaultSpec = shownTask.trainSpec(inputSize != null ? inputSize : TrainConfig.forTask(task).inputSize);
    }
    Preprocessing spec = Preprocessing.parse(preprocess != null ? preprocess : defaultSpec);
    if (!spec.startsWithDecode()) {
      throw new IllegalArgumentException("--preprocess must start with decode: '" + spec.spec() + "'");
    }
    int labelOffset = data.labelOffset != null ? data.labelOffset : layout.labelOffset();
    BadRecordCounter badRecords = BadRecordCounter.create(spark);
    ReadOptions readOptions = ReadOptions.defaults().withLabelOffset(labelOffset)
        .withOnBadRecord(data.onBadRecord).withCounter(badRecords);

    Map<String, List<String>> splitFiles = new LinkedHashMap<>();
    for (String s : DatasetLayout.SPLITS) {
      try {
        splitFiles.put(s, layout.files(conf, data.datasetDir, s));
      } catch (IllegalArgumentException absent) {
        // e.g. a dataset without a test split: shown as absent
      }
    }
    if (!splitFiles.containsKey(split)) {
      layout.files(conf, data.datasetDir, split); // throws the layout's own message
    }
    LinkedHashSet<String> allFiles = new LinkedHashSet<>();
    splitFiles.values().forEach(allFiles::addAll);
    Dataset<Row> records = TFRecordSource.read(spark, new ArrayList<>(allFiles), readOptions);

    System.out.printf("dataset %s (%s layout, label offset %d)%n", data.datasetDir, layout.name(), labelOffset);
    System.out.println("schema:");
    System.out.print(records.schema().treeString());

    Map<String, Long> perFile = new HashMap<>();
    for (Row r : records.groupBy(SlimSchema.FILE).count().collectAsList()) {
      perFile.put(r.getString(0), r.getLong(1));
    }
    // The per-file count is the one pass over every file: its bad-record count is the dataset's.
    String skippedSummary = badRecords.total() > 0 ? badRecords.summary() + ", e.g. " + badRecords.samples().get(0) : null;
    System.out.println("records per split:");
    for (Map.Entry<String, List<String>> e : splitFiles.entrySet()) {
      long n = e.getValue().stream().mapToLong(f -> perFile.getOrDefault(f, 0L)).sum();
      System.out.printf("  %-9s %10d records in %5d shards%n", e.getKey(), n, e.getValue().size());
    }

    Dataset<Row> splitRows = TFRecordSource.read(spark, splitFiles.get(split), readOptions);
    System.out.printf("label histogram (%s):%n", split);
    List<Row> hist = splitRows.groupBy(SlimSchema.LABEL)
        .agg(count("*").as("n"), first(SlimSchema.TEXT, true).as("text"))
        .orderBy(SlimSchema.LABEL).collectAsList();
    long max = hist.stream().mapToLong(r -> r.getLong(1)).max().orElse(1);
    for (Row r : hist) {
      int bar = (int) Math.round(40.0 * r.getLong(1) / max);
      System.out.printf("  %5d %-16s %8d %s%n", r.getInt(0), r.isNullAt(2) ? "" : r.getString(2), r.getLong(1), "#".repeat(bar));
    }

    if (numImages > 0) {
      showImages(splitRows.limit(numImages), spec, shownTask, conf);
    }
    if (skippedSummary != null) {
      System.out.println("SKIPPED: " + skippedSummary);
    }
    return 0;
  }

  private void showImages(Dataset<Row> rows, Preprocessing spec, Task shownTask, Configuration conf) throws Exception {
    long runSeed = seed;
    MapFunction<Row, Tuple3<String, String, byte[]>> render = row -> {
      byte[] encoded = row.getAs(SlimSchema.IMAGE);
      Image decoded = ImageCodec.decode(encoded);
      Image out = RecordImages.apply(spec, row, runSeed);
      String taskPart = "";
      String nameSuffix = "";
      byte[] png = null;
      if (shownTask != null) {
        List<TaskExample> examples = ExampleBatcher.examplesOf(shownTask, spec, row, runSeed, 0);
        taskPart = String.format("; %s: %d examples of %d view(s) %dx%d, labels %s", shownTask.name(),
            examples.size(), examples.get(0).views().length, examples.get(0).views()[0].height(),
            examples.get(0).views()[0].width(), TaskPictures.labels(examples));
        png = ImageCodec.toViewablePng(TaskPictures.render(examples));
        nameSuffix = "_" + shownTask.name() + "_" + TaskPictures.labels(examples).replace(',', '-');
      }
      String file = row.getAs(SlimSchema.FILE);
      String line = String.format("%s #%d label %d%s: %s %d bytes, decoded %dx%dx%d, after spec %dx%dx%d",
          file.substring(file.lastIndexOf('/') + 1), row.<Long>getAs(SlimSchema.RECORD),
          row.<Integer>getAs(SlimSchema.LABEL),
          row.getAs(SlimSchema.TEXT) == null ? "" : " (" + row.getAs(SlimSchema.TEXT) + ")",
          row.getAs(SlimSchema.FORMAT) == null ? "?" : row.getAs(SlimSchema.FORMAT), encoded.length,
          decoded.height(), decoded.width(), decoded.channels(), out.height(), out.width(), out.channels()) + taskPart;
      String text = row.getAs(SlimSchema.TEXT) == null ? ""
          : "_" + row.<String>getAs(SlimSchema.TEXT).replaceAll("[^A-Za-z0-9]+", "-");
      String name = String.format("label%d%s%s", row.<Integer>getAs(SlimSchema.LABEL), text, nameSuffix);
      return new Tuple3<>(line, name, png != null ? png : ImageCodec.toViewablePng(out));
    };
    List<Tuple3<String, String, byte[]>> shown = rows
        .map(render, Encoders.tuple(Encoders.STRING(), Encoders.STRING(), Encoders.BINARY()))
        .collectAsList();
    System.out.printf("first %d images (%s), spec '%s':%n", shown.size(), split, spec.spec());
    for (int i = 0; i < shown.size(); i++) {
      System.out.println("  " + shown.get(i)._1());
      if (dump != null) {
        Path out = new Path(dump, String.format("%03d_%s.png", i, shown.get(i)._2()));
        FileSystem fs = HadoopFiles.of(out, conf);
        try (OutputStream os = fs.create(out, true)) {
          os.write(shown.get(i)._3());
        }
      }
    }
    if (dump != null) {
      System.out.printf("wrote %d PNG files to %s%n", shown.size(), dump);
    }
  }
}
