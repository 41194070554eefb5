package org.selfsup.bundle;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.util.ModelSerializer;
import org.selfsup.data.HadoopFiles;
import org.selfsup.runtime.UserError;

/**
 * A model bundle, the counterpart of the original's TF-Hub module: one folder (any Hadoop path)
 * holding
 * <ul>
 *   <li>{@value #NETWORK}: the network in inference form (DL4J ModelSerializer, no updater state);
 *   <li>{@value #INFO}: {@link BundleInfo} (format version, spec, endpoints, provenance);
 *   <li>{@value #METRICS}: the training run's metrics.csv up to the exported step, when it had one;
 *   <li>{@value FileManifest#NAME}, written last: SHA-256 and size of the others.
 * </ul>
 * {@link #read} refuses a damaged bundle or one of a newer format with a {@link UserError}.
 */
public final class ModelBundle {
  public static final int FORMAT_VERSION = 1;
  public static final String INFO = "bundle.json";
  public static final String NETWORK = "network.zip";
  public static final String METRICS = "metrics.csv";
  public static final String NETWORK_FORMAT = "dl4j-computation-graph-zip";
  static final ObjectMapper JSON = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(SerializationFeature.INDENT_OUTPUT)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  public final Path dir;
  public final BundleInfo info;
  /** The folder as the user named it, for messages. */
  private final String given;

  private ModelBundle(Path dir, BundleInfo info, String given) {
    this.dir = dir;
    this.info = info;
    this.given = given;
  }

  /** The version of this program, as the build wrote it into the jar. */
  public static String projectVersion() {
    try (InputStream in = ModelBundle.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      String v = p.getProperty("version", "unknown");
      return v.startsWith("${") ? "unknown" : v;
    } catch (IOException e) {
      return "unknown";
    }
  }

  /**
   * Whether {@code dir} can be written to: absent or empty, or (with {@code overwrite}) a folder
   * holding a {@code marker} file of an earlier output of the same kind; never a folder of
   * anything else, so {@code --overwrite} cannot delete a user's files.
   *
   * @throws UserError naming {@code flag} otherwise
   */
  public static void checkOutput(Configuration conf, String flag, String dir, boolean overwrite, String marker) {
    try {
      Path p = new Path(dir);
      FileSystem fs = HadoopFiles.of(p, conf);
      if (!fs.exists(p)) {
        return;
      }
      UserError.require(fs.getFileStatus(p).isDirectory(), flag + " " + dir + " is a file, not a folder");
      FileStatus[] inside = fs.listStatus(p);
      if (inside.length == 0) {
        return;
      }
      UserError.require(overwrite, flag + " " + dir + " exists and is not empty; add --overwrite to replace it");
      UserError.require(fs.exists(new Path(p, marker)), flag + " " + dir + " is not empty and holds no " + marker
          + ": --overwrite replaces only an earlier output, not other files");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look at " + dir + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes a bundle into {@code dir} (replacing what is there; see {@link #checkOutput}): the
   * network without its updater state, bundle.json, metrics.csv when given, the manifest last.
   */
  public static ModelBundle write(Configuration conf, String dir, BundleInfo info, ComputationGraph network,
      byte[] metricsCsv) throws IOException {
    Path p = new Path(dir);
    FileSystem fs = HadoopFiles.of(p, conf);
    fs.delete(p, true);
    fs.mkdirs(p);
    info.formatVersion = FORMAT_VERSION;
    info.network.file = NETWORK;
    info.network.format = NETWORK_FORMAT;
    List<String> files = new ArrayList<>(List.of(NETWORK, INFO));
    try (OutputStream out = fs.create(new Path(p, NETWORK), true)) {
      ModelSerializer.writeModel(network, out, false);
    }
    try (OutputStream out = fs.create(new Path(p, INFO), true)) {
      out.write(JSON.writeValueAsString(info).getBytes(StandardCharsets.UTF_8));
    }
    if (metricsCsv != null) {
      try (OutputStream out = fs.create(new Path(p, METRICS), true)) {
        out.write(metricsCsv);
      }
      files.add(METRICS);
    }
    FileManifest.write(fs, p, files);
    return new ModelBundle(fs.makeQualified(p), info, dir);
  }

  /**
   * The bundle in {@code dir}, its files checked against the manifest.
   *
   * @throws UserError when there is no bundle, it is damaged, or its format is not one this program reads
   */
  public static ModelBundle read(Configuration conf, String dir) {
    try {
      Path p = new Path(dir);
      FileSystem fs = HadoopFiles.of(p, conf);
      UserError.require(fs.exists(new Path(p, INFO)), "no model bundle in " + dir + ": expected " + INFO + ", "
          + NETWORK + " and " + FileManifest.NAME + " (made by export --checkpoint RUN --out DIR)");
      String problem = FileManifest.problem(fs, p, List.of(INFO, NETWORK));
      UserError.require(problem == null, "model bundle " + dir + " is damaged (" + problem + ")");
      BundleInfo info;
      try (InputStream in = fs.open(new Path(p, INFO))) {
        info = JSON.readValue(in, BundleInfo.class);
      } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
        throw new UserError("model bundle " + dir + ": " + INFO + " is not valid: " + e.getOriginalMessage());
      }
      UserError.require(info.formatVersion == FORMAT_VERSION, "model bundle " + dir + " has format_version "
          + info.formatVersion + "; this program reads format_version " + FORMAT_VERSION);
      UserError.require(info.preprocess != null && info.endpoints != null && !info.endpoints.isEmpty()
          && info.patchGrid >= 1, "model bundle " + dir + ": " + INFO + " lacks preprocess, endpoints or patch_grid");
      return new ModelBundle(fs.makeQualified(p), info, dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the model bundle " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The network, for inference (no updater). */
  public ComputationGraph loadNetwork(Configuration conf) throws IOException {
    Path model = new Path(dir, NETWORK);
    try (InputStream in = HadoopFiles.of(model, conf).open(model)) {
      return ModelSerializer.restoreComputationGraph(in, false);
    }
  }

  /**
   * The endpoints named, in that order; null or empty asks for the bundle's defaults.
   *
   * @throws UserError for a name the bundle lacks, listing those it has
   */
  public List<String> endpoints(List<String> names, String flag) {
    List<String> out = names == null || names.isEmpty() ? info.defaultEndpoints : names;
    UserError.require(out != null && !out.isEmpty(), "model bundle " + given + " names no default endpoints; choose with "
        + flag + " from: " + String.join(", ", info.endpointVertices().keySet()));
    for (String e : out) {
      UserError.require(info.endpoint(e) != null, "unknown endpoint '" + e + "' for the model bundle " + given
          + "; valid endpoints: " + String.join(", ", info.endpointVertices().keySet()));
    }
    return out;
  }
}
