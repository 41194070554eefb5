package org.selfsup.bundle;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code bundle.json} holds (format version {@value ModelBundle#FORMAT_VERSION}; keys in
 * snake_case): how to run the network (its input, the preprocessing spec, the patch grid, each
 * endpoint's vertex, activation shape and pooling) and where it came from (task, architecture,
 * training provenance). Everything a reader needs is spelled out; nothing refers to a flag.
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_NULL)
public final class BundleInfo {
  public int formatVersion;
  /** ISO-8601 instant of the export. */
  public String created;
  /** The project version that wrote the bundle. */
  public String projectVersion;
  public String task;
  public String architecture;
  public Network network = new Network();
  /** Evaluation preprocessing spec: encoded image bytes in, a float image out (see the preprocess ops). */
  public String preprocess;
  /**
   * 1: the network runs on the spec's whole output. n > 1 (patch models): the spec's output is an
   * n×n mosaic of tiles, the network runs on each tile, and an image's features are the mean of
   * its n² tile features (after each endpoint's spatial pooling).
   */
  public int patchGrid = 1;
  /** Every endpoint of the network, in the architecture's order. */
  public List<Endpoint> endpoints = new ArrayList<>();
  /** The endpoints {@code evaluate --module} probes when none are named. */
  public List<String> defaultEndpoints = new ArrayList<>();
  public Training training = new Training();

  /** The network file and its input. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Network {
    public String file;
    /** How the file is written: {@link ModelBundle#NETWORK_FORMAT}. */
    public String format;
    /** Input vertex name; the input is NCHW float, one spec output (or tile) per row. */
    public String input;
    /** Channels, height, width of one input. */
    public int[] inputShape;
    public long parameters;
  }

  /** One endpoint: a vertex whose activation becomes a feature vector. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public static final class Endpoint {
    public String name;
    public String vertex;
    /** Activation of one input, without the batch axis: [C] or [C, H, W]. */
    public long[] shape;
    /** Max-pool window (= stride) over H and W of a [C, H, W] map, edge windows partial (⌈H/k⌉×⌈W/k⌉ out); 1: none. */
    public int spatialMaxPool = 1;
    /** Length of the feature vector (after pooling; patch models: of the tile mean). */
    public long features;
  }

  /** Where the network came from. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public static final class Training {
    /** The checkpoint folder exported. */
    public String checkpoint;
    public String dataset;
    public String datasetDir;
    public String split;
    public long imagesSeen;
    public long steps;
    public double epochsDone;
    public double trainSeconds;
    /** The network's identity as pretrain states it (task, architecture, widths, sizes). */
    public String modelIdentity;
    /** Jigsaw: SHA-256 of the permutation set trained against. */
    public String permutationsSha256;
    /** The last metrics.csv row at or before the checkpoint's step (column → value); null without metrics.csv. */
    public Map<String, Object> finalMetrics;
    /** The training configuration, as the checkpoint's state.json has it (provenance only). */
    public JsonNode config;
  }

  /** Endpoint name → vertex. */
  public LinkedHashMap<String, String> endpointVertices() {
    LinkedHashMap<String, String> out = new LinkedHashMap<>();
    for (Endpoint e : endpoints) {
      out.put(e.name, e.vertex);
    }
    return out;
  }

  /** The endpoint of that name, or null. */
  public Endpoint endpoint(String name) {
    for (Endpoint e : endpoints) {
      if (e.name.equals(name)) {
        return e;
      }
    }
    return null;
  }
}
