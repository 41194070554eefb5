package org.selfsup.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.train.Optimisation;
import org.selfsup.train.TrainConfig;

class PatchModelTest {
  private static final int VIEWS = 3;
  private static final int EMBED = 6;

  @BeforeAll
  static void setUp() {
    Nd4jSetup.configure();
  }

  private static TrunkConfig trunk() {
    // fast-moving batch-norm statistics, so that inference mode follows 30 training steps
    return PatchModel.patchTrunk(TrunkConfig.small("resnet50v2", 1, 28, 1, 1, 1), 8).withBatchNorm(0.5, 1e-3);
  }

  @Test
  void patchTrunkHasStrideOneAtBothEnds() {
    TrunkConfig t = trunk();
    assertEquals(1, t.rootStride);
    assertArrayEquals(new int[] {1, 2, 1}, t.stageStrides);
    assertEquals(8, t.inputHeight);
    TrunkConfig standard = PatchModel.patchTrunk(TrunkConfig.standard("resnet50v1", 1, 255), 64);
    assertArrayEquals(new int[] {1, 2, 2, 1}, standard.stageStrides);
  }

  @Test
  void sharedTrunkSeesEveryPatchAndTrains() {
    ComputationGraph g = PatchModel.build(Optimisation.base(new TrainConfig(), 0.05), trunk(), VIEWS, EMBED, 16, 5);
    Nd4j.getRandom().setSeed(1);
    INDArray x = Nd4j.rand(DataType.FLOAT, 4, VIEWS * 3, 8, 8);
    Map<String, INDArray> acts = g.feedForward(x, false);
    assertArrayEquals(new long[] {4 * VIEWS, 3, 8, 8}, acts.get(PatchModel.PATCHES).shape());
    assertArrayEquals(new long[] {4 * VIEWS, EMBED}, acts.get(PatchModel.PATCH_LOGITS).shape());
    assertArrayEquals(new long[] {4, VIEWS * EMBED}, acts.get(PatchModel.CONCAT).shape());
    assertArrayEquals(new long[] {4, 5}, acts.get(Models.OUTPUT).shape());
    // the concatenation is patch-major within an example: example 1's second patch vector
    assertEquals(acts.get(PatchModel.PATCH_LOGITS).getRow(1 * VIEWS + 1),
        acts.get(PatchModel.CONCAT).get(NDArrayIndex.point(1), NDArrayIndex.interval(EMBED, 2 * EMBED)));

    INDArray y = Nd4j.zeros(DataType.FLOAT, 4, 5);
    for (int i = 0; i < 4; i++) {
      y.putScalar(i, i % 5, 1);
    }
    DataSet ds = new DataSet(x, y);
    double first = g.score(ds);
    for (int i = 0; i < 30; i++) {
      g.fit(ds);
    }
    double last = g.score(ds);
    assertTrue(Double.isFinite(last) && last < first, first + " -> " + last);

    // The one-patch representation network gives the trained trunk's vectors (inference mode).
    ComputationGraph rep = PatchModel.representation(g, trunk(), EMBED);
    INDArray patches = x.reshape('c', 4 * VIEWS, 3, 8, 8);
    INDArray viaRep = rep.feedForward(patches, false).get(PatchModel.PATCH_LOGITS);
    INDArray viaTrained = g.feedForward(x, false).get(PatchModel.PATCH_LOGITS);
    assertTrue(viaRep.equalsWithEps(viaTrained, 1e-4));
  }
}
