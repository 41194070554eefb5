package org.selfsup.cli;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.selfsup.eval.EvaluateConfig;
import org.selfsup.eval.LinearProbe;
import org.selfsup.eval.EvaluateJob;
import org.selfsup.runtime.SparkSessions;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "evaluate", mixinStandardHelpOptions = true,
    description = "Linear evaluation: frozen features of a pretrained network (or raw pixels), "
        + "a Spark MLlib logistic regression per endpoint, top-1/top-5 on the test split.")
final class EvaluateCommand implements Callable<Integer>, ChecksBeforeSpark {
  private static final EvaluateConfig DEFAULTS = new EvaluateConfig();

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

    @Option(names = "--module", description = "A model bundle (export's output); its spec and endpoints are the defaults.")
    String module;
  }

  @Option(names = "--random_init", description = "Same architecture as --checkpoint, randomly initialised (a baseline).")
  boolean randomInit;

  @Option(names = "--endpoints", split = ",", description = "Endpoints to probe (default: pre_logits,block3,block4, those the network has; --module: the bundle's).")
  List<String> endpoints;

  @Option(names = "--preprocess", description = "Evaluation spec (default: the task's: resize shorter side to size x 256/224, central crop; raw pixels: "
      + EvaluateConfig.DEFAULT_RAW_PIXEL_SPEC + ").")
  String preprocess;

  @Option(names = "--limit", paramLabel = "SPLIT=N", description = "Use about N images of a split (train, val, test): the first N/shards of each shard.")
  Map<String, Integer> limits = new LinkedHashMap<>();

  @Option(names = "--reg_params", split = ",", description = "L2 strengths tried on the val split (default: 0,1e-4,1e-3,1e-2).")
  double[] regParams = DEFAULTS.regParams;

  @Option(names = "--max_iter", description = "Logistic regression iterations (default: ${DEFAULT-VALUE}).")
  int maxIter = DEFAULTS.maxIter;

  @Option(names = "--probe_solver", converter = ProbeSolverConverter.class,
      description = "How the logistic regression is fitted: blocked (float blocks, BLAS, warm starts; the default) or mllib"
          + " (MLlib's LogisticRegression per L2 strength; slower, the reference).")
  LinearProbe.Solver solver = DEFAULTS.solver;

  @Option(names = "--knn", split = ",", paramLabel = "K",
      description = "Also classify by weighted k-nearest neighbours (cosine similarity) for each K, e.g. 20,200 (default: none).")
  int[] knn = DEFAULTS.knn;

  @Option(names = "--knn_temperature", description = "Temperature of the kNN vote weights exp(similarity / T) (default: ${DEFAULT-VALUE}).")
  double knnTemperature = DEFAULTS.knnTemperature;

  @Option(names = "--batch_size", description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
  int batchSize = DEFAULTS.batchSize;

  @Option(names = "--max_features", description = "An endpoint map with more values is max-pooled spatially down to at most"
      + " this many before the probe (default: ${DEFAULT-VALUE}, the paper's about 9000).")
  int maxFeatures = DEFAULTS.maxFeatures;

  @Option(names = "--name", description = "Report name: WORKDIR/eval-NAME.json (default: raw_pixels, random_init or checkpoint).")
  String name;

  @Option(names = "--seed", description = "Seed of --random_init.")
  long seed = DEFAULTS.seed;

  @Override
  public Integer call() throws Exception {
    EvaluateJob job = config().validate();
    job.run(SparkSessions.getOrCreate("selfsup evaluate"), System.out);
    return 0;
  }

  @Override
  public void checkBeforeSpark() {
    config().validate();
  }

  EvaluateConfig config() {
    EvaluateConfig c = new EvaluateConfig();
    c.dataset = data.dataset;
    c.datasetDir = data.datasetDir;
    c.labelOffset = data.labelOffset;
    c.onBadRecord = data.onBadRecord;
    c.maxImagePixels = data.maxImagePixels;
    c.workdir = workdir;
    c.checkpoint = source.checkpoint;
    c.rawPixels = source.rawPixels;
    c.module = source.module;
    c.randomInit = randomInit;
    c.endpoints = endpoints;
    c.preprocess = preprocess;
    c.limits = limits;
    c.regParams = regParams;
    c.maxIter = maxIter;
    c.solver = solver;
    c.knn = knn;
    c.knnTemperature = knnTemperature;
    c.batchSize = batchSize;
    c.maxFeatures = maxFeatures;
    c.name = name;
    c.seed = seed;
    return c;
  }
}
