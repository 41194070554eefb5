package org.selfsup.eval;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.transferlearning.TransferLearning;

/**
 * A copy of a network that ends at the given vertices: every vertex they do not depend on is
 * removed (the head, and anything past the deepest of them), and they become the network's
 * outputs (through an identity vertex each, named with {@link #OUTPUT_SUFFIX}), with the original parameters (DL4J's TransferLearning copies them). Running it computes
 * only what the endpoints need and copies out only their activations: {@code feedForward} on the
 * whole network computes every vertex and copies every activation, and M2's
 * {@code output(List<String>, ...)} for intermediate vertices fails (docs/design.md, workaround 5).
 */
public final class TrimmedGraph {
  /** An endpoint's output vertex is named after it with this suffix. */
  public static final String OUTPUT_SUFFIX = "__endpoint";

  private TrimmedGraph() {}

  /** The network trimmed to end at {@code outputs} (vertex names, duplicates allowed), outputs in first-seen order. */
  public static ComputationGraph ending(ComputationGraph model, List<String> outputs) {
    List<String> distinct = new ArrayList<>(new LinkedHashSet<>(outputs));
    ComputationGraphConfiguration conf = model.getConfiguration();
    Map<String, List<String>> inputsOf = conf.getVertexInputs();
    Set<String> needed = new HashSet<>();
    Deque<String> todo = new ArrayDeque<>(distinct);
    while (!todo.isEmpty()) {
      String v = todo.pop();
      if (needed.add(v)) {
        todo.addAll(inputsOf.getOrDefault(v, List.of()));
      }
    }
    TransferLearning.GraphBuilder b = new TransferLearning.GraphBuilder(model).validateOutputLayerConfig(false);
    for (String v : conf.getVertices().keySet()) {
      if (!needed.contains(v)) {
        b.removeVertexAndConnections(v);
      }
    }
    // Each endpoint feeds an identity vertex that is the output: M2's forward pass mishandles an
    // output vertex that also feeds other vertices (the NullPointerException of workaround 5).
    String[] names = new String[distinct.size()];
    for (int i = 0; i < names.length; i++) {
      names[i] = distinct.get(i) + OUTPUT_SUFFIX;
      b.addVertex(names[i], new ScaleVertex(1.0), distinct.get(i));
    }
    return b.setOutputs(names).build();
  }
}
