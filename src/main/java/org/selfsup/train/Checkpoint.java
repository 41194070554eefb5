package org.selfsup.train;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.selfsup.data.HadoopFiles;
import org.selfsup.runtime.UserError;
import org.selfsup.tasks.Task;
import org.selfsup.tasks.Tasks;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A checkpoint in {@code WORKDIR/checkpoints/step-NNNNNNNNNNNN/}: {@code model.zip} (DL4J
 * ModelSerializer, with the updater's momentum state), {@code state.json} (the config, the
 * progress, the next chunk to train, the endpoint names) and, written last, {@code manifest.json}
 * (SHA-256 and size of the other two). Only Hadoop's FileSystem API is used and nothing is
 * renamed, so it works on object stores (s3a) where a rename is a copy: a folder whose manifest
 * is missing or does not match its files is damaged, and {@link #latest} falls back to the one
 * before it.
 */
public final class Checkpoint {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoint.class);
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  static final String PREFIX = "step-";
  static final String MODEL = "model.zip";
  static final String STATE = "state.json";
  static final String MANIFEST = "manifest.json";

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
    /** The next chunk to train: chunk {@code nextChunk} (0-based) of epoch {@code nextEpoch} (0-based). */
    public int nextEpoch;
    public int nextChunk;
    /** The task's {@link Task#checksum()} at training (jigsaw: SHA-256 of its permutation set in the binary file format); null for most tasks. */
    public String permutationsSha256;
  }

  /** One file's entry in manifest.json. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class FileDigest {
    public String sha256;
    public long bytes;

    FileDigest() {}

    FileDigest(String sha256, long bytes) {
      this.sha256 = sha256;
      this.bytes = bytes;
    }
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

  /** The folder name of the checkpoint after {@code step} steps; zero-padded, so names sort as steps do. */
  static String name(long step) {
    return PREFIX + String.format(Locale.ROOT, "%012d", step);
  }

  /** Writes the checkpoint of {@code state.steps} (replacing one of the same step); the manifest last. */
  public static Path save(Configuration conf, String workdir, ComputationGraph graph, State state) throws IOException {
    Path dir = new Path(root(workdir), name(state.steps));
    FileSystem fs = HadoopFiles.of(dir, conf);
    fs.delete(dir, true);
    fs.mkdirs(dir);
    Map<String, FileDigest> manifest = new TreeMap<>();
    DigestingOutput model = new DigestingOutput(fs.create(new Path(dir, MODEL), true));
    try (OutputStream out = model) {
      ModelSerializer.writeModel(graph, out, true);
    }
    manifest.put(MODEL, model.digest());
    DigestingOutput json = new DigestingOutput(fs.create(new Path(dir, STATE), true));
    try (OutputStream out = json) {
      out.write(JSON.writeValueAsString(state).getBytes(StandardCharsets.UTF_8));
    }
    manifest.put(STATE, json.digest());
    try (OutputStream out = fs.create(new Path(dir, MANIFEST), true)) {
      out.write(JSON.writeValueAsString(manifest).getBytes(StandardCharsets.UTF_8));
    }
    return fs.makeQualified(dir);
  }

  /** The checkpoint folders of a workdir, newest (highest step) first; intact or not. */
  static List<Path> folders(Configuration conf, String workdir) throws IOException {
    Path root = root(workdir);
    FileSystem fs = HadoopFiles.of(root, conf);
    List<Path> dirs = new ArrayList<>();
    if (!fs.exists(root)) {
      return dirs;
    }
    for (FileStatus s : fs.listStatus(root)) {
      String n = s.getPath().getName();
      if (s.isDirectory() && n.startsWith(PREFIX) && n.substring(PREFIX.length()).matches("[0-9]+")) {
        dirs.add(fs.makeQualified(s.getPath()));
      }
    }
    dirs.sort(Comparator.comparing((Path p) -> Long.parseLong(p.getName().substring(PREFIX.length()))).reversed());
    return dirs;
  }

  /**
   * The newest intact checkpoint in the workdir, or null when there is none. Each damaged one met
   * on the way (a missing manifest, a file that does not match it) gets one WARN line naming it.
   */
  public static Checkpoint latest(Configuration conf, String workdir) throws IOException {
    for (Path dir : folders(conf, workdir)) {
      String problem = problem(conf, dir);
      if (problem == null) {
        return read(conf, dir);
      }
      LOG.warn("checkpoint {} is damaged ({}); skipping it for the one before", dir, problem);
    }
    return null;
  }

  /**
   * Deletes all but the newest {@code keep} checkpoint folders of the workdir; {@code current}
   * (the one just written) is kept whatever its rank.
   */
  static void prune(Configuration conf, String workdir, int keep, Path current) throws IOException {
    List<Path> dirs = folders(conf, workdir);
    FileSystem fs = HadoopFiles.of(root(workdir), conf);
    Path kept = current == null ? null : fs.makeQualified(current);
    for (int i = Math.max(1, keep); i < dirs.size(); i++) {
      if (!dirs.get(i).equals(kept)) {
        fs.delete(dirs.get(i), true);
      }
    }
  }

  /**
   * The checkpoint at {@code path}: a checkpoint folder (with state.json) or a pretraining
   * workdir (its newest intact checkpoint). A path with neither, or a damaged folder, is an
   * error that names it.
   */
  public static Checkpoint find(Configuration conf, String path) throws IOException {
    Path p = new Path(path);
    FileSystem fs = HadoopFiles.of(p, conf);
    if (fs.exists(new Path(p, STATE))) {
      String problem = problem(conf, p);
      if (problem != null) {
        throw new UserError("checkpoint " + path + " is damaged (" + problem + ")");
      }
      return read(conf, fs.makeQualified(p));
    }
    Checkpoint latest = latest(conf, path);
    if (latest == null) {
      throw new UserError("no checkpoint in " + path + ": expected a pretraining workdir (with intact checkpoints/"
          + PREFIX + "*/) or a checkpoint folder (with " + STATE + ", " + MODEL + " and " + MANIFEST + ")");
    }
    return latest;
  }

  /** Null when the folder's files match its manifest; else what is wrong, in a few words. */
  static String problem(Configuration conf, Path dir) throws IOException {
    FileSystem fs = HadoopFiles.of(dir, conf);
    Path manifestPath = new Path(dir, MANIFEST);
    if (!fs.exists(manifestPath)) {
      return "no " + MANIFEST + ": it was not written to the end";
    }
    Map<String, FileDigest> manifest;
    try (InputStream in = fs.open(manifestPath)) {
      manifest = JSON.readValue(in, new TypeReference<TreeMap<String, FileDigest>>() {});
    } catch (IOException e) {
      return MANIFEST + " unreadable: " + e.getMessage();
    }
    for (String file : new String[] {MODEL, STATE}) {
      FileDigest expected = manifest.get(file);
      if (expected == null || expected.sha256 == null) {
        return MANIFEST + " has no entry for " + file;
      }
      Path f = new Path(dir, file);
      FileDigest actual;
      try {
        actual = digest(fs, f);
      } catch (FileNotFoundException e) {
        return file + " is missing";
      }
      if (actual.bytes != expected.bytes) {
        return file + " is " + actual.bytes + " bytes, the manifest says " + expected.bytes;
      }
      if (!actual.sha256.equals(expected.sha256)) {
        return file + " has SHA-256 " + actual.sha256 + ", the manifest says " + expected.sha256;
      }
    }
    return null;
  }

  private static Checkpoint read(Configuration conf, Path dir) throws IOException {
    Path state = new Path(dir, STATE);
    try (InputStream in = HadoopFiles.of(state, conf).open(state)) {
      return new Checkpoint(dir, JSON.readValue(in, State.class));
    }
  }

  /** The network with its updater state, ready to continue training or to evaluate. */
  public ComputationGraph loadModel(Configuration conf) throws IOException {
    Path model = new Path(dir, MODEL);
    try (InputStream in = HadoopFiles.of(model, conf).open(model)) {
      return ModelSerializer.restoreComputationGraph(in, true);
    }
  }

  /**
   * Checks that what the checkpoint's task is trained against beyond its config (jigsaw: the
   * permutation set its config names, a file or the generated set of its count and seed) is
   * unchanged ({@link Task#requireChecksum}): a UserError otherwise. No-op for checkpoints that
   * recorded no checksum.
   */
  public void verifyTaskChecksum(Configuration conf) {
    if (state.permutationsSha256 == null) {
      return;
    }
    Tasks.create(state.config.task, state.config.taskOptions, conf)
        .requireChecksum(state.permutationsSha256, "checkpoint " + dir);
  }

  static FileDigest digest(FileSystem fs, Path f) throws IOException {
    MessageDigest md = sha256();
    long bytes = 0;
    try (InputStream in = new DigestInputStream(fs.open(f), md)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        bytes += n;
      }
    }
    return new FileDigest(hex(md.digest()), bytes);
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] bytes) {
    StringBuilder sb = new StringBuilder(bytes.length * 2);
    for (byte b : bytes) {
      sb.append(String.format(Locale.ROOT, "%02x", b));
    }
    return sb.toString();
  }

  /** An output stream that hashes and counts what passes through it. */
  private static final class DigestingOutput extends java.io.FilterOutputStream {
    private final MessageDigest md = sha256();
    private long bytes;

    DigestingOutput(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      md.update((byte) b);
      bytes++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      md.update(b, off, len);
      bytes += len;
    }

    FileDigest digest() {
      return new FileDigest(hex(md.digest()), bytes);
    }
  }
}
