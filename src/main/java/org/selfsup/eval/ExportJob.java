package org.selfsup.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.bundle.BundleInfo;
import org.selfsup.bundle.ModelBundle;
import org.selfsup.data.HadoopFiles;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.train.Checkpoint;
import org.selfsup.train.TrainConfig;
import org.selfsup.train.Trainer;

/**
 * Writes a checkpoint as a {@link ModelBundle}: the network {@code evaluate --checkpoint} runs
 * (the task's representation: for patch models the trunk on one tile), the spec, every endpoint
 * with its activation shape and pooling (measured by running the network once on a zero input),
 * and the run's provenance (its config, progress, the last metrics.csv row up to the checkpoint).
 */
public final class ExportJob {
  private final String out;
  private final Checkpoint checkpoint;
  private final Task task;
  private final String spec;
  private final int[] inputShape;
  private final List<String> defaultEndpoints;

  ExportJob(String out, Checkpoint checkpoint, Task task, String spec, int[] inputShape,
      List<String> defaultEndpoints) {
    this.out = out;
    this.checkpoint = checkpoint;
    this.task = task;
    this.spec = spec;
    this.inputShape = inputShape;
    this.defaultEndpoints = defaultEndpoints;
  }

  /** Exports, and prints one line saying what went where. */
  public ModelBundle run(Configuration conf, PrintStream stdout) throws IOException {
    Checkpoint.State state = checkpoint.state;
    TrainConfig trained = state.config;
    ComputationGraph network = task.representation(checkpoint.loadModel(conf), Trainer.trunkConfig(trained));
    BundleInfo info = new BundleInfo();
    info.created = Instant.now().toString();
    info.projectVersion = ModelBundle.projectVersion();
    info.task = trained.task;
    info.architecture = trained.architecture;
    info.network.input = network.getConfiguration().getNetworkInputs().get(0);
    info.network.inputShape = inputShape;
    info.network.parameters = network.numParams();
    info.preprocess = spec;
    info.patchGrid = task.evalPatchGrid();
    info.endpoints = endpoints(network, state.endpoints, info.network.inputShape);
    info.defaultEndpoints = new ArrayList<>(defaultEndpoints);
    byte[] metrics = metricsUpToCheckpoint(conf);
    info.training = training(metrics);
    ModelBundle bundle = ModelBundle.write(conf, out, info, network, metrics);
    long bytes = 0;
    FileSystem fs = HadoopFiles.of(bundle.dir, conf);
    for (org.apache.hadoop.fs.FileStatus s : fs.listStatus(bundle.dir)) {
      bytes += s.getLen();
    }
    stdout.printf("exported %s (%s, %s, %,d parameters, step %d) -> %s (%,d bytes)%n", checkpoint.dir, info.task,
        info.architecture, info.network.parameters, state.steps, bundle.dir, bytes);
    return bundle;
  }

  /** Each endpoint's vertex, activation shape on one input and the pooling feature extraction applies. */
  static List<BundleInfo.Endpoint> endpoints(ComputationGraph network, Map<String, String> vertices, int[] input) {
    Map<String, INDArray> acts;
    try {
      acts = network.feedForward(Nd4j.zeros(DataType.FLOAT, 1, input[0], input[1], input[2]), false);
    } catch (RuntimeException e) {
      throw new UserError("the network does not take the " + input[0] + "x" + input[1] + "x" + input[2]
          + " (channels x height x width) inputs the spec gives: " + e.getMessage(), e);
    }
    List<BundleInfo.Endpoint> out = new ArrayList<>();
    for (Map.Entry<String, String> e : vertices.entrySet()) {
      INDArray a = acts.get(e.getValue());
      if (a == null) {
        throw new IllegalStateException("endpoint " + e.getKey() + ": the network has no vertex " + e.getValue());
      }
      BundleInfo.Endpoint ep = new BundleInfo.Endpoint();
      ep.name = e.getKey();
      ep.vertex = e.getValue();
      long[] shape = a.shape();
      ep.shape = java.util.Arrays.copyOfRange(shape, 1, shape.length);
      if (ep.shape.length == 3) {
        long c = ep.shape[0];
        int h = (int) ep.shape[1];
        int w = (int) ep.shape[2];
        ep.spatialMaxPool = SpatialMaxPool.window(c, h, w, FeatureExtractor.DEFAULT_MAX_FEATURES);
        ep.features = c * SpatialMaxPool.pooledSize(h, ep.spatialMaxPool) * SpatialMaxPool.pooledSize(w, ep.spatialMaxPool);
      } else {
        ep.features = ep.shape.length == 1 ? ep.shape[0] : -1;
      }
      out.add(ep);
    }
    return out;
  }

  private BundleInfo.Training training(byte[] metrics) throws IOException {
    Checkpoint.State state = checkpoint.state;
    BundleInfo.Training t = new BundleInfo.Training();
    t.checkpoint = checkpoint.dir.toString();
    t.dataset = state.config.dataset;
    t.datasetDir = state.config.datasetDir;
    t.split = state.config.split;
    t.imagesSeen = state.imagesSeen;
    t.steps = state.steps;
    t.epochsDone = state.epochsDone;
    t.trainSeconds = state.trainSeconds;
    t.modelIdentity = state.config.modelIdentity();
    t.permutationsSha256 = state.permutationsSha256;
    t.config = new ObjectMapper().readTree(state.config.toJson());
    t.finalMetrics = metrics == null ? null : lastRow(new String(metrics, StandardCharsets.UTF_8));
    return t;
  }

  /** The run's metrics.csv (WORKDIR/metrics.csv of WORKDIR/checkpoints/step-N) without rows after the checkpoint; null when absent. */
  private byte[] metricsUpToCheckpoint(Configuration conf) throws IOException {
    Path parent = checkpoint.dir.getParent();
    if (parent == null || !parent.getName().equals("checkpoints") || parent.getParent() == null) {
      return null;
    }
    Path metrics = new Path(parent.getParent(), "metrics.csv");
    FileSystem fs = HadoopFiles.of(metrics, conf);
    if (!fs.exists(metrics)) {
      return null;
    }
    String text;
    try (InputStream in = fs.open(metrics)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    StringBuilder kept = new StringBuilder();
    String[] lines = text.split("\n");
    int stepColumn = lines.length == 0 ? -1 : List.of(lines[0].split(",", -1)).indexOf("step");
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].isEmpty()) {
        continue;
      }
      if (i > 0 && stepColumn >= 0) {
        String[] f = lines[i].split(",", -1);
        try {
          if (Long.parseLong(f[stepColumn]) > checkpoint.state.steps) {
            continue;
          }
        } catch (RuntimeException tornLine) {
          continue;
        }
      }
      kept.append(lines[i]).append('\n');
    }
    return kept.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The last row of a CSV text as column → value (a number where it parses as one; null for an empty field). */
  static Map<String, Object> lastRow(String csv) {
    String[] lines = csv.strip().split("\n");
    if (lines.length < 2) {
      return null;
    }
    String[] header = lines[0].split(",", -1);
    String[] row = lines[lines.length - 1].split(",", -1);
    Map<String, Object> out = new LinkedHashMap<>();
    for (int i = 0; i < header.length; i++) {
      String v = i < row.length ? row[i] : "";
      out.put(header[i], v.isEmpty() ? null : number(v));
    }
    return out;
  }

  private static Object number(String v) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException notLong) {
      try {
        double d = Double.parseDouble(v);
        return Double.isFinite(d) ? d : v;
      } catch (NumberFormatException notNumber) {
        return v;
      }
    }
  }
}
