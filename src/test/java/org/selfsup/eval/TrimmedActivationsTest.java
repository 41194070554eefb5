package org.selfsup.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.bundle.ModelBundle;

/**
 * Extraction runs only the vertices the endpoints need and copies out only theirs: on the
 * committed quickstart trunk the activations equal those of a full feedForward, value for value,
 * whatever the order of the endpoints and with one asked twice.
 */
class TrimmedActivationsTest {
  @Test
  void endpointActivationsEqualAFullForwardPass() throws Exception {
    Configuration conf = new Configuration();
    ModelBundle bundle = ModelBundle.read(conf, Paths.get("models", "quickstart_rotation").toAbsolutePath().toString());
    ComputationGraph net = bundle.loadNetwork(conf);
    Nd4j.getRandom().setSeed(7);
    INDArray x = Nd4j.rand(DataType.FLOAT, 5, 3, 28, 28).muli(2).subi(1);
    Map<String, INDArray> all = net.feedForward(x, false);
    Map<String, String> vertexOf = bundle.info.endpointVertices();
    List<String> vertices = new ArrayList<>();
    for (String endpoint : List.of("block2", "after_root", "pre_logits", "block2")) {
      vertices.add(vertexOf.get(endpoint));
    }
    for (String v : vertices) {
      assertTrue(all.containsKey(v), "the bundle's graph has no vertex " + v + ": " + all.keySet());
    }
    ComputationGraph trimmed = TrimmedGraph.ending(net, vertices);
    assertEquals(List.of(vertexOf.get("block2") + "__endpoint", vertexOf.get("after_root") + "__endpoint",
        vertexOf.get("pre_logits") + "__endpoint"), trimmed.getConfiguration().getNetworkOutputs());
    assertTrue(trimmed.getVertex("logits") == null, "the head is still there");
    assertTrue(trimmed.numParams() < net.numParams());
    INDArray[] got = FeatureExtractor.activations(trimmed, vertices, x);
    assertEquals(vertices.size(), got.length);
    for (int i = 0; i < got.length; i++) {
      INDArray want = all.get(vertices.get(i));
      assertArrayEquals(want.shape(), got[i].shape(), vertices.get(i));
      assertArrayEquals(want.dup('c').data().asFloat(), got[i].dup('c').data().asFloat(), 0f, vertices.get(i));
    }
  }
}
