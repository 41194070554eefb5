package org.selfsup.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.FileInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.apache.hadoop.conf.Configuration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.data.SlimSchema;
import org.selfsup.data.TFRecordInput;
import org.selfsup.preprocess.Image;
import org.selfsup.preprocess.ImageCodec;
import org.selfsup.preprocess.ImageOps;
import org.tensorflow.example.Example;

/**
 * The bundle committed under models/quickstart_rotation (the quickstart's rotation trunk) verifies
 * against its manifest and still does its pretext task: it tells how the committed sample's test
 * images were rotated.
 */
class CommittedBundleTest {
  static final Path BUNDLE = Paths.get("models", "quickstart_rotation");
  static final Path TEST_SHARD = Paths.get("src", "test", "resources", "fashion_mnist_sample", "test-00000-of-00001");

  @Test
  void committedBundleVerifiesAndPredictsRotationsOfTheSampleTestImages() throws Exception {
    ModelBundle bundle = ModelBundle.read(new Configuration(), BUNDLE.toAbsolutePath().toString());
    assertEquals("rotation", bundle.info.task);
    assertEquals("resnet50v2", bundle.info.architecture);
    assertEquals("decode|value_range(-1,1)", bundle.info.preprocess);
    assertTrue(java.nio.file.Files.size(BUNDLE.resolve(ModelBundle.NETWORK)) < 2_000_000);
    ComputationGraph net = bundle.loadNetwork(new Configuration());
    int n = 100;
    int[] right = new int[4];
    try (InputStream in = new FileInputStream(TEST_SHARD.toFile());
        TFRecordInput records = new TFRecordInput(in, TEST_SHARD.toString())) {
      for (int i = 0; i < n; i++) {
        Example ex = Example.parseFrom(records.next());
        byte[] png = ex.getFeatures().getFeatureMap().get(SlimSchema.KEY_IMAGE).getBytesList().getValue(0).toByteArray();
        Image image = ImageCodec.decode(png, 3);
        INDArray batch = Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, 4, 3, 28, 28);
        for (int k = 0; k < 4; k++) {
          Image r = ImageOps.rot90(image, k);
          for (int y = 0; y < 28; y++) {
            for (int x = 0; x < 28; x++) {
              for (int c = 0; c < 3; c++) {
                batch.putScalar(new long[] {k, c, y, x}, r.get(y, x, c) / 127.5 - 1); // value_range(-1,1) of 0..255
              }
            }
          }
        }
        INDArray logits = net.outputSingle(false, batch);
        for (int k = 0; k < 4; k++) {
          right[k] += logits.getRow(k).argMax().getInt(0) == k ? 1 : 0;
        }
      }
    }
    for (int k = 0; k < 4; k++) {
      // the run's held-out pretext accuracy was 0.959 over all four rotations
      assertTrue(right[k] >= 80, "rotation " + 90 * k + ": " + right[k] + " of " + n + " right");
    }
  }
}
