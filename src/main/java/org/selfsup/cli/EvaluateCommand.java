package org.selfsup.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.eval.Evaluation;
import org.selfsup.eval.LinearProbe;
import org.selfsup.eval.ProbeReport;
import org.selfsup.eval.RawPixelFeatures;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.LearningRateSchedule;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Linear evaluation: frozen features of a pretrained network (or raw pixels), "
        + "a Spark MLlib logistic regression per endpoint, top-1/top-5 on the test split.")
final class EvaluateCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateCommand.class);
  static final List<String> DEFAULT_ENDPOINTS = List.of("pre_logits", "block3", "block4");

  @Mixin DatasetOptions data = new DatasetOptions();

  @Option(names = "--workdir", required = true, description = "Where features (Parquet) and the report (JSON) go.")
  String workdir;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  static final class Source {
    @Option(names = "--checkpoint", description = "A pretraining workdir (its newest checkpoint) or one checkpoint folder.")
    String checkpoint;

    @Option(names = "--raw_pixels", description = "The reference line: logistic regression on the pixels.")
    boolean rawPixels;
  }

  @Option(names = "--random_init", description = "Same architecture as --checkpoint, randomly initialised (a baseline).")
  boolean randomInit;

  @Option(names = "--endpoints", split = ",", description = "Endpoints to probe (default: pre_logits,block3,block4, those the network has).")
  List<String> endpoints;

  @Option(names = "--preprocess", description = "Evaluation spec (default: resize shorter side to size x 256/224, central crop; raw pixels: decode(1)|value_range(0,1)).")
  String preprocess;

  @Option(names = "--limit", paramLabel = "SPLIT=N", description = "Use about N images of a split (train, val, test): the first N/shards of each shard.")
  Map<String, Integer> limits = new LinkedHashMap<>();

  @Option(names = "--reg_params", split = ",", description = "L2 strengths tried on the val split (default: 0,1e-4,1e-3,1e-2).")
  double[] regParams = LinearProbe.DEFAULT_REG_PARAMS;

  @Option(names = "--max_iter", defaultValue = "100", description = "Logistic regression iterations.")
  int maxIter;

  @Option(names = "--batch_size", defaultValue = "64", description = "Images per forward pass.")
  int batchSize;

  @Option(names = "--name", description = "Report name: WORKDIR/eval-NAME.json (default: raw_pixels, random_init or checkpoint).")
  String name;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of --random_init.")
  long seed;

  @Override
  public Integer call() throws Exception {
    DatasetLayout layout = DatasetLayout.forName(data.dataset);
    if (randomInit && source.checkpoint == null) {
      throw new IllegalArgumentException("--random_init needs --checkpoint (for the architecture to initialise)");
    }
    SparkSession spark = SparkSessions.getOrCreate("selfsup evaluate");
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    int labelOffset = data.labelOffset != null ? data.labelOffset : layout.labelOffset();
    ReadOptions readOptions = ReadOptions.defaults().withLabelOffset(labelOffset).withOnBadRecord(data.onBadRecord)
        .withCounter(BadRecordCounter.create(spark));
    Evaluation evaluation = new Evaluation(spark, layout, data.datasetDir, readOptions, limits);
    LinearProbe probe = new LinearProbe(regParams, maxIter);

    String reportName;
    Map<String, Dataset<Row>> features;
    List<String> columns;
    if (source.rawPixels) {
      reportName = name != null ? name : "raw_pixels";
      features = evaluation.pixelFeatures(preprocess != null ? preprocess : "decode(1)|value_range(0,1)",
          featureDir(reportName));
      columns = List.of(RawPixelFeatures.COLUMN);
    } else {
      Checkpoint checkpoint = Checkpoint.find(conf, source.checkpoint);
      TrainConfig trained = checkpoint.state.config;
      int size = trained.inputSize;
      trained.taskOptions.permutationsPath = null; // evaluation never draws jigsaw permutations: no need to reread the file
      Task task = Tasks.create(trained.task, trained.taskOptions, conf);
      ComputationGraph model;
      if (randomInit) {
        reportName = name != null ? name : "random_init";
        trained.seed = seed;
        model = task.buildModel(Optimisation.base(trained, 0.1), Trainer.trunkConfig(trained), trained.numClasses);
      } else {
        reportName = name != null ? name : "checkpoint";
        model = checkpoint.loadModel(conf);
      }
      model = task.representation(model, Trainer.trunkConfig(trained));
      columns = endpoints != null ? endpoints : defaultEndpoints(checkpoint.state.endpoints.keySet());
      String spec = preprocess != null ? preprocess : task.evalSpec(size);
      LOG.info("evaluating {} ({}), endpoints {}, spec '{}'{}", randomInit ? "a random init of" : "checkpoint",
          checkpoint.dir, columns, spec, task.evalPatchGrid() > 1
              ? String.format(", the %d patches of the %dx%d grid averaged", task.evalPatchGrid() * task.evalPatchGrid(),
                  task.evalPatchGrid(), task.evalPatchGrid()) : "");
      features = evaluation.modelFeatures(model, checkpoint.state.endpoints, columns, spec, task.evalPatchGrid(), batchSize,
          featureDir(reportName));
    }
    ProbeReport report = evaluation.probe(features, columns, probe);
    String json = new Path(workdir, "eval-" + reportName + ".json").toString();
    report.writeJson(conf, json);
    System.out.printf("linear evaluation '%s' (%d train, %d val, %d test images):%n%s", reportName,
        report.trainRows(), report.valRows(), report.testRows(), report.toTable());
    System.out.println("report: " + json);
    return 0;
  }

  private String featureDir(String reportName) {
    return new Path(workdir, "features-" + reportName).toString();
  }

  static List<String> defaultEndpoints(java.util.Collection<String> available) {
    List<String> out = new ArrayList<>();
    for (String e : DEFAULT_ENDPOINTS) {
      if (available.contains(e)) {
        out.add(e);
      }
    }
    return out;
  }
}
