package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.RotationTask;

/** The probe evaluates its held-out examples in slices; the result is the whole batch's. */
class PretextProbeTest {
  @Test
  void slicedEvaluationEqualsTheWholeBatch() {
    Nd4jSetup.configure();
    Nd4j.getRandom().setSeed(5);
    ComputationGraph model = Models.classifier(Optimisation.base(new TrainConfig(), 0.05),
        TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 4);
    int n = 37; // slices of 16, 16 and 5
    INDArray x = Nd4j.rand(new int[] {n, 3, 16, 16});
    INDArray y = Nd4j.zeros(n, 4);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, (i * 7) % 4, 1);
    }
    DataSet whole = new DataSet(x, y);
    RotationTask task = new RotationTask();
    double loss = model.score(whole, false);
    double accuracy = task.pretextAccuracy(model.output(false, x)[0], y);

    List<DataSet> slices = PretextProbe.slices(whole, 16);
    assertEquals(List.of(16L, 16L, 5L), slices.stream().map(s -> s.getFeatures().size(0)).collect(java.util.stream.Collectors.toList()));
    PretextProbe.Result sliced = new PretextProbe(task, slices).evaluate(model);
    assertEquals(loss, sliced.loss, 1e-5);
    assertEquals(accuracy, sliced.accuracy, 1e-12);
    // 37 examples: the accuracy is a count over 37, whatever the slices
    assertEquals(Math.round(accuracy * n), sliced.accuracy * n, 1e-9);

    PretextProbe.Result none = new PretextProbe(task, PretextProbe.slices(null, 16)).evaluate(model);
    assertEquals(Double.NaN, none.loss);
  }
}
