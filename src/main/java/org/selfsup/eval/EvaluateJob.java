package org.selfsup.eval;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.data.BadRecordCounter;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.ReadOptions;
import org.selfsup.metrics.ProbeSummaries;
import org.selfsup.tasks.Task;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One linear evaluation, checked and resolved by {@link EvaluateConfig#validate()}: features of
 * the train, val and test splits, the probe, the report {@code WORKDIR/eval-NAME.json} (with the
 * record counts), and on stdout the table, the report's path and one line of record counts.
 */
public final class EvaluateJob {
  private static final Logger LOG = LoggerFactory.getLogger(EvaluateJob.class);

  private final EvaluateConfig config;
  private final DatasetLayout layout;
  private final int labelOffset;
  private final String reportName;
  private final String spec;
  private final List<String> columns;
  private final Checkpoint checkpoint;
  private final Task task;
  private final ModelBundle module;

  EvaluateJob(EvaluateConfig config, DatasetLayout layout, int labelOffset, String reportName, String spec,
      List<String> columns, Checkpoint checkpoint, Task task, ModelBundle module) {
    this.config = config;
    this.layout = layout;
    this.labelOffset = labelOffset;
    this.reportName = reportName;
    this.spec = spec;
    this.columns = columns;
    this.checkpoint = checkpoint;
    this.task = task;
    this.module = module;
  }

  public String reportName() {
    return reportName;
  }

  /** The preprocessing spec the features are computed with. */
  public String spec() {
    return spec;
  }

  /** The feature columns (endpoints, or raw pixels). */
  public List<String> columns() {
    return columns;
  }

  /** WORKDIR/eval-NAME.json. */
  public String reportPath() {
    return new Path(config.workdir, "eval-" + reportName + ".json").toString();
  }

  /** Runs the evaluation, writes the report and prints the table, its path and the record counts. */
  public ProbeReport run(SparkSession spark, PrintStream out) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    ReadOptions readOptions = ReadOptions.defaults().withLabelOffset(labelOffset).withOnBadRecord(config.onBadRecord)
        .withMaxImagePixels(config.maxImagePixels).withCounter(BadRecordCounter.create(spark));
    Evaluation evaluation = new Evaluation(spark, layout, config.datasetDir, readOptions, config.limits);
    Map<String, Dataset<Row>> features;
    if (module != null) {
      LOG.info("evaluating the model bundle {} ({} {}), endpoints {}, spec '{}'", module.dir, module.info.task,
          module.info.architecture, columns, spec);
      features = evaluation.modelFeatures(module.loadNetwork(conf), module.info.endpointVertices(), columns, spec,
          module.info.patchGrid, config.batchSize, config.maxFeatures, featureDir());
    } else if (checkpoint == null) {
      features = evaluation.pixelFeatures(spec, featureDir());
    } else {
      features = evaluation.modelFeatures(model(conf), checkpoint.state.endpoints, columns, spec, task.evalPatchGrid(),
          config.batchSize, config.maxFeatures, featureDir());
    }
    ProbeReport report = evaluation.probe(features, columns,
        new LinearProbe(config.regParams, config.maxIter, config.solver), config.knn, config.knnTemperature);
    report.writeJson(conf, reportPath());
    writeSummaries(conf, report);
    out.printf("linear evaluation '%s' (%d train, %d val, %d test images):%n%s", reportName,
        report.trainRows(), report.valRows(), report.testRows(), report.toTable());
    out.println("report: " + reportPath());
    out.println(report.records().summaryLine());
    return report;
  }

  /** The report as TensorBoard scalars, at the training step of the network evaluated (0: random init, pixels). */
  private void writeSummaries(Configuration conf, ProbeReport report) throws IOException {
    ProbeSummaries summaries = new ProbeSummaries();
    for (ProbeReport.Entry e : report.endpoints()) {
      summaries.endpoint(e.endpoint, e.bestRegParam, e.valTop1, e.testTop1, e.testTop5);
      e.fits.forEach(f -> summaries.fit(e.endpoint, ProbeReport.formatReg(f.regParam), f.valTop1, f.valTop5,
          f.testTop1, f.testTop5));
      e.knn.forEach(k -> summaries.knn(e.endpoint, k.k, k.valTop1, k.testTop1, k.testTop5));
    }
    summaries.write(conf, config.workdir, reportName, checkpoint == null || config.randomInit ? 0 : checkpoint.state.steps);
  }

  private ComputationGraph model(Configuration conf) throws IOException {
    TrainConfig trained = checkpoint.state.config;
    ComputationGraph model;
    if (config.randomInit) {
      trained.seed = config.seed;
      model = task.buildModel(Optimisation.base(trained, 0.1), Trainer.trunkConfig(trained), trained.numClasses);
    } else {
      model = checkpoint.loadModel(conf);
    }
    LOG.info("evaluating {} ({}), endpoints {}, spec '{}'{}", config.randomInit ? "a random init of" : "checkpoint",
        checkpoint.dir, columns, spec, task.evalPatchGrid() > 1
            ? String.format(", the %d patches of the %dx%d grid averaged", task.evalPatchGrid() * task.evalPatchGrid(),
                task.evalPatchGrid(), task.evalPatchGrid()) : "");
    return task.representation(model, Trainer.trunkConfig(trained));
  }

  private String featureDir() {
    return new Path(config.workdir, "features-" + reportName).toString();
  }
}
