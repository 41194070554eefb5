package org.selfsup.models;

import java.util.LinkedHashMap;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;

/** Adds the trunk of a {@link TrunkConfig}'s architecture (its registered builder) to a DL4J graph, up to {@code pre_logits}. */
public final class TrunkBuilder {
  private TrunkBuilder() {}

  /** Adds the trunk (up to pre_logits, excluding logits), reading from vertex {@code input}; returns endpoint name -> vertex name (ordered). */
  public static LinkedHashMap<String, String> addTrunk(
      ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg) {
    return addTrunk(b, input, cfg, "");
  }

  /** As {@link #addTrunk(ComputationGraphConfiguration.GraphBuilder, String, TrunkConfig)}, with every vertex name prefixed (for two trunks in one graph). */
  public static LinkedHashMap<String, String> addTrunk(
      ComputationGraphConfiguration.GraphBuilder b, String input, TrunkConfig cfg, String prefix) {
    return Architectures.get(cfg.architecture).builder().addTrunk(b, input, cfg, prefix);
  }
}
