package org.selfsup.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.selfsup.data.HadoopFiles;

/**
 * A checkpoint in {@code WORKDIR/checkpoints/epoch-NNNN.NNN/}: {@code model.zip} (DL4J
 * ModelSerializer, with the updater's momentum state) and {@code state.json} (the config,
 * the progress and the endpoint names). Written to a temporary folder, then renamed.
 */
public final class Checkpoint {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final String PREFIX = "epoch-";

  /** What state.json holds. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class State {
    public TrainConfig config;
    public double epochsDone;
    public long imagesSeen;
    public long steps;
    public double trainSeconds;
    public int numOutputs;
    public LinkedHashMap<String, String> endpoints = new LinkedHashMap<>();
  }

  public final Path dir;
  public final State state;

  private Checkpoint(Path dir, State state) {
    this.dir = dir;
    this.state = state;
  }

  public static Path root(String workdir) {
    return new Path(workdir, "checkpoints");
  }

  public static Path save(Configuration conf, String workdir, ComputationGraph model, State state) throws IOException {
    Path root = root(workdir);
    FileSystem fs = HadoopFiles.of(root, conf);
    String name = PREFIX + String.format(Locale.ROOT, "%08.3f", state.epochsDone);
    Path tmp = new Path(root, "." + name + ".inprogress");
    Path dir = new Path(root, name);
    fs.delete(tmp, true);
    fs.mkdirs(tmp);
    try (OutputStream out = fs.create(new Path(tmp, "model.zip"), true)) {
      ModelSerializer.writeModel(model, out, true);
    }
    try (OutputStream out = fs.create(new Path(tmp, "state.json"), true)) {
      out.write(JSON.writeValueAsString(state).getBytes(StandardCharsets.UTF_8));
    }
    fs.delete(dir, true);
    if (!fs.rename(tmp, dir)) {
      throw new IOException("cannot rename " + tmp + " to " + dir);
    }
    return fs.makeQualified(dir);
  }

  /** The newest complete checkpoint in the workdir, or null when there is none. */
  public static Checkpoint latest(Configuration conf, String workdir) throws IOException {
    Path root = root(workdir);
    FileSystem fs = HadoopFiles.of(root, conf);
    if (!fs.exists(root)) {
      return null;
    }
    List<Path> dirs = new ArrayList<>();
    for (FileStatus s : fs.listStatus(root)) {
      String n = s.getPath().getName();
      if (s.isDirectory() && n.startsWith(PREFIX) && fs.exists(new Path(s.getPath(), "state.json"))) {
        dirs.add(s.getPath());
      }
    }
    if (dirs.isEmpty()) {
      return null;
    }
    dirs.sort((a, b) -> a.getName().compareTo(b.getName()));
    Path dir = dirs.get(dirs.size() - 1);
    try (InputStream in = fs.open(new Path(dir, "state.json"))) {
      return new Checkpoint(fs.makeQualified(dir), JSON.readValue(in, State.class));
    }
  }

  /**
   * The checkpoint at {@code path}: a checkpoint folder (with state.json) or a pretraining
   * workdir (its newest checkpoint). A path with neither is an error that names it.
   */
  public static Checkpoint find(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = HadoopFiles.of(p, conf);
    Path state = new Path(p, "state.json");
    if (fs.exists(state)) {
      try (InputStream in = fs.open(state)) {
        return new Checkpoint(fs.makeQualified(p), JSON.readValue(in, State.class));
      }
    }
    Checkpoint latest = latest(conf, path);
    if (latest == null) {
      throw new IllegalArgumentException("no checkpoint in " + path
          + ": expected a pretraining workdir (with checkpoints/epoch-*/) or a checkpoint folder (with state.json)");
    }
    return latest;
  }

  /** The network with its updater state, ready to continue training or to evaluate. */
  public ComputationGraph loadModel(Configuration conf) throws IOException {
    Path model = new Path(dir, "model.zip");
    try (InputStream in = HadoopFiles.of(model, conf).open(model)) {
      return ModelSerializer.restoreComputationGraph(in, true);
    }
  }
}
