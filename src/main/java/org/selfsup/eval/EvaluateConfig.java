package org.selfsup.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.data.BadRecordPolicy;
import org.selfsup.data.DatasetLayout;
import org.selfsup.data.HadoopFiles;
import org.selfsup.data.ReadOptions;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.Preprocessing;
import org.selfsup.runtime.SparkSessions;
import org.selfsup.runtime.UserError;
import org.selfsup.models.Architecture;
import org.selfsup.models.Architectures;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.selfsup.train.Checkpoint;

/**
 * Everything {@code evaluate} is asked to do, with the one set of defaults. {@link #validate()}
 * checks every value before Spark starts (reading the checkpoint's state.json through Hadoop's
 * file systems, without Spark) and gives the {@link EvaluateJob} to run.
 */
public final class EvaluateConfig {
  public static final String DEFAULT_DATASET = "fashion_mnist";
  public static final String DEFAULT_RAW_PIXEL_SPEC = "decode(1)|value_range(0,1)";
  public static final int DEFAULT_MAX_ITER = 100;
  public static final int DEFAULT_BATCH_SIZE = 64;

  public String dataset = DEFAULT_DATASET;
  public String datasetDir;
  /** Null: the dataset's. */
  public Integer labelOffset;
  public BadRecordPolicy onBadRecord = BadRecordPolicy.FAIL;
  public long maxImagePixels = ImageCodec.DEFAULT_MAX_PIXELS;

  public String workdir;
  /** A pretraining workdir or checkpoint folder; null with {@link #rawPixels}. */
  public String checkpoint;
  public boolean rawPixels;
  /** A model bundle folder (export's output); exclusive with {@link #checkpoint} and {@link #rawPixels}. */
  public String module;
  public boolean randomInit;
  /** Null: those of the architecture's default evaluation endpoints ({@link Architecture#evalEndpoints}) the network has. */
  public List<String> endpoints;
  /** Null: the task's evaluation spec, or {@link #DEFAULT_RAW_PIXEL_SPEC}. */
  public String preprocess;
  /** Split (train, val, test) → about how many images to use. */
  public Map<String, Integer> limits = new LinkedHashMap<>();
  public double[] regParams = LinearProbe.DEFAULT_REG_PARAMS.clone();
  public int maxIter = DEFAULT_MAX_ITER;
  public LinearProbe.Solver solver = LinearProbe.Solver.BLOCKED;
  /** kNN neighbour counts; empty: no kNN evaluation. */
  public int[] knn = new int[0];
  public double knnTemperature = KnnClassifier.DEFAULT_TEMPERATURE;
  public int batchSize = DEFAULT_BATCH_SIZE;
  /** A [C,H,W] endpoint with more values is max-pooled spatially down to at most this many (the paper: about 9000). */
  public int maxFeatures = FeatureExtractor.DEFAULT_MAX_FEATURES;
  /** Null: raw_pixels, random_init, checkpoint or module. */
  public String name;
  /** Seed of --random_init. */
  public long seed;

  /**
   * Checks every value and resolves what the run needs (the checkpoint's task, spec and endpoints),
   * without Spark.
   *
   * @throws UserError naming the flag (or file) at fault
   */
  public EvaluateJob validate() {
    DatasetLayout layout = DatasetLayout.forName(dataset);
    UserError.require(datasetDir != null && !datasetDir.isEmpty(), "--dataset_dir is required");
    UserError.require(workdir != null && !workdir.isEmpty(), "--workdir is required");
    UserError.require((rawPixels ? 1 : 0) + (checkpoint != null ? 1 : 0) + (module != null ? 1 : 0) == 1,
        "give one of --checkpoint, --module and --raw_pixels");
    UserError.require(!randomInit || checkpoint != null,
        "--random_init needs --checkpoint (for the architecture to initialise)");
    UserError.require(endpoints == null || !rawPixels,
        "--endpoints needs --checkpoint or --module (raw pixels have the one column '" + RawPixelFeatures.COLUMN + "')");
    UserError.require(onBadRecord != null, "--on_bad_record must be fail or skip");
    ReadOptions.checkMaxImagePixels(maxImagePixels);
    UserError.require(batchSize > 0, "--batch_size must be positive, got " + batchSize);
    UserError.require(maxFeatures > 0, "--max_features must be positive, got " + maxFeatures);
    UserError.require(maxIter > 0, "--max_iter must be positive, got " + maxIter);
    UserError.require(solver != null, "--probe_solver must be blocked or mllib");
    for (int k : knn) {
      UserError.require(k > 0, "--knn values must be positive, got " + k);
    }
    UserError.require(knnTemperature > 0 && Double.isFinite(knnTemperature),
        "--knn_temperature must be positive, got " + knnTemperature);
    UserError.require(regParams != null && regParams.length > 0, "--reg_params needs at least one value");
    for (double r : regParams) {
      UserError.require(r >= 0 && Double.isFinite(r), "--reg_params must be finite and >= 0, got " + r);
    }
    for (Map.Entry<String, Integer> e : limits.entrySet()) {
      UserError.require(Evaluation.SPLITS.contains(e.getKey()), "--limit " + e.getKey() + "=" + e.getValue()
          + ": unknown split '" + e.getKey() + "'; valid: " + String.join(", ", Evaluation.SPLITS));
      UserError.require(e.getValue() != null && e.getValue() > 0, "--limit " + e.getKey() + "=" + e.getValue()
          + ": the number of images must be positive");
    }
    UserError.require(name == null || name.matches("[A-Za-z0-9._-]+"),
        "--name '" + name + "' must be letters, digits, '.', '_' or '-' (it names files)");
    if (HadoopFiles.isLocal(datasetDir)) { // remote folders are listed once Spark has their credentials
      for (String split : Evaluation.SPLITS) {
        layout.files(SparkSessions.hadoopConfiguration(), datasetDir, split);
      }
    }
    int offset = labelOffset != null ? labelOffset : layout.labelOffset();
    if (rawPixels) {
      String spec = preprocess != null ? preprocess : DEFAULT_RAW_PIXEL_SPEC;
      RawPixelFeatures.parseSpec(spec);
      return new EvaluateJob(this, layout, offset, name != null ? name : "raw_pixels", spec,
          List.of(RawPixelFeatures.COLUMN), null, null, null);
    }
    Configuration hadoop = SparkSessions.hadoopConfiguration();
    if (module != null) {
      ModelBundle bundle = ModelBundle.read(hadoop, module);
      List<String> columns = bundle.endpoints(endpoints, "--endpoints");
      FeatureColumns.schema(columns);
      String spec = preprocess != null ? preprocess : bundle.info.preprocess;
      UserError.require(Preprocessing.parse(spec).startsWithDecode(), "eval spec '" + spec + "' must start with decode");
      return new EvaluateJob(this, layout, offset, name != null ? name : "module", spec, columns, null, null, bundle);
    }
    Checkpoint ckpt = findCheckpoint(hadoop, checkpoint);
    ckpt.verifyTaskChecksum(hadoop); // e.g. a jigsaw checkpoint: the same permutation set as in training
    Checkpoint.State state = ckpt.state;
    // evaluation never draws jigsaw permutations: no need to reread the file
    state.config.taskOptions.permutationsPath = null;
    Task task = Tasks.create(state.config.task, state.config.taskOptions, new Configuration());
    List<String> defaults = Architectures.get(state.config.architecture).evalEndpoints();
    List<String> columns = endpoints != null ? endpoints : defaultEndpoints(defaults, state.endpoints.keySet());
    UserError.require(!columns.isEmpty(), "the checkpoint " + ckpt.dir + " has none of the default endpoints "
        + defaults + "; choose with --endpoints from: " + String.join(", ", state.endpoints.keySet()));
    for (String e : columns) {
      UserError.require(state.endpoints.containsKey(e), "unknown endpoint '" + e + "' for the checkpoint's "
          + state.config.architecture + "; valid endpoints: "
          + String.join(", ", new TreeSet<>(state.endpoints.keySet())));
    }
    FeatureColumns.schema(columns); // names clashing with reserved columns, or repeated
    String spec = preprocess != null ? preprocess : task.evalSpec(state.config.inputSize);
    UserError.require(Preprocessing.parse(spec).startsWithDecode(), "eval spec '" + spec + "' must start with decode");
    String report = name != null ? name : randomInit ? "random_init" : "checkpoint";
    return new EvaluateJob(this, layout, offset, report, spec, columns, ckpt, task, null);
  }

  /** The checkpoint of {@code --checkpoint PATH}: a checkpoint folder or a workdir's newest intact one. */
  static Checkpoint findCheckpoint(Configuration conf, String checkpoint) {
    try {
      return Checkpoint.find(conf, checkpoint);
    } catch (UserError e) {
      throw e;
    } catch (IllegalArgumentException e) {
      // Checkpoint.find says "no checkpoint in PATH" with a plain IllegalArgumentException
      throw new UserError(e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the checkpoint " + checkpoint + ": " + e.getMessage(), e);
    }
  }

  /** Those of {@code defaults} that are {@code available}, in that order. */
  static List<String> defaultEndpoints(List<String> defaults, Collection<String> available) {
    List<String> out = new ArrayList<>();
    for (String e : defaults) {
      if (available.contains(e)) {
        out.add(e);
      }
    }
    return out;
  }
}
