package org.selfsup.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.nd4j.linalg.activations.Activation;
import org.selfsup.models.Models;
import org.selfsup.models.TripletSemiHardLoss;
import org.selfsup.models.TrunkConfig;
import org.selfsup.runtime.Nd4jSetup;
import org.selfsup.tasks.RotationTask;

/** The probe evaluates its held-out examples in slices, one forward pass each; the result is the whole batch's data loss. */
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
    INDArray probabilities = model.output(false, x)[0];
    // cross-entropy by hand from DL4J's softmax output; DL4J's score adds the L2 term to it
    double loss = -Transforms.log(probabilities, true).muli(y).sumNumber().doubleValue() / n;
    double l2 = model.calcRegularizationScore(true);
    assertTrue(l2 > 0, "weight decay " + l2);
    assertEquals(model.score(whole, false), loss + l2, 1e-5);
    double accuracy = task.pretextAccuracy(probabilities, y);

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

  /** Exemplar's head: a triplet loss on an identity-activated embedding; its score is not a per-example mean of a softmax. */
  @Test
  void theOnePassLossIsDl4jsScoreForTheTripletHeadToo() {
    Nd4jSetup.configure();
    Nd4j.getRandom().setSeed(9);
    ComputationGraph model = Models.classifier(Optimisation.base(new TrainConfig(), 0.05),
        TrunkConfig.small("resnet50v2", 1, 16, 1, 1, 1), 8, Activation.IDENTITY, new TripletSemiHardLoss(0.5));
    int n = 12; // 4 exemplars x 3 copies, one slice: the triplet loss mines within its minibatch
    INDArray x = Nd4j.rand(new int[] {n, 3, 16, 16});
    INDArray y = Nd4j.zeros(n, 8); // exemplar's labels: one-hot of the image, as wide as the embedding
    for (int i = 0; i < n; i++) {
      y.putScalar(i, i % 4, 1);
    }
    DataSet whole = new DataSet(x, y);
    double loss = model.score(whole, false) - model.calcRegularizationScore(true);
    assertTrue(loss > 0, "a random embedding violates the margin: " + loss);
    PretextProbe.Result probed = new PretextProbe(new RotationTask(), List.of(whole)).evaluate(model);
    assertEquals(loss, probed.loss, 1e-6);
    assertEquals(new RotationTask().pretextAccuracy(model.output(false, x)[0], y), probed.accuracy, 1e-12);
  }

  /** A head with parameters (DL4J's OutputLayer) takes the two-pass path; its loss is the data's too. */
  @Test
  void anOutputLayerHeadGetsTheDataLossToo() {
    Nd4jSetup.configure();
    Nd4j.getRandom().setSeed(11);
    ComputationGraph model = new ComputationGraph(Optimisation.base(new TrainConfig(), 0.05).graphBuilder()
        .addInputs("in").setInputTypes(org.deeplearning4j.nn.conf.inputs.InputType.feedForward(6))
        .addLayer("hidden", new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nOut(5)
            .activation(Activation.TANH).build(), "in")
        .addLayer("out", new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder().nOut(4)
            .activation(Activation.SOFTMAX).lossFunction(new org.nd4j.linalg.lossfunctions.impl.LossMCXENT()).build(),
            "hidden")
        .setOutputs("out").build());
    model.init();
    int n = 10;
    INDArray x = Nd4j.rand(n, 6).subi(0.5).muli(4);
    INDArray y = Nd4j.zeros(n, 4);
    for (int i = 0; i < n; i++) {
      y.putScalar(i, (i * 3) % 4, 1);
    }
    INDArray probabilities = model.output(false, x)[0];
    double loss = -Transforms.log(probabilities, true).muli(y).sumNumber().doubleValue() / n;
    assertTrue(model.calcRegularizationScore(true) > 0, "weight decay on the head's and hidden layer's weights");
    PretextProbe.Result probed =
        new PretextProbe(new RotationTask(), PretextProbe.slices(new DataSet(x, y), 4)).evaluate(model);
    assertEquals(loss, probed.loss, 1e-5);
    assertEquals(new RotationTask().pretextAccuracy(probabilities, y), probed.accuracy, 1e-12);
  }
}
