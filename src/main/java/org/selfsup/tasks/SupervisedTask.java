package org.selfsup.tasks;

import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.selfsup.models.Models;
import org.selfsup.models.TrunkConfig;
import org.selfsup.preprocess.Image;
import org.selfsup.runtime.UserError;

/** The supervised baseline: the dataset's own labels. */
public final class SupervisedTask implements SingleCopyTask {
  private static final long serialVersionUID = 1L;
  public static final String NAME = "supervised";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String trainSpec(int size) {
    return "decode|inception_crop(" + size + ")|flip_lr|value_range(-1,1)";
  }

  @Override
  public int examplesPerImage() {
    return 1;
  }

  @Override
  public int numOutputs(int datasetClasses) {
    if (datasetClasses <= 0) {
      throw new UserError("the supervised task needs the dataset's number of classes; "
          + "this dataset layout does not know it (pass --num_classes)");
    }
    return datasetClasses;
  }

  @Override
  public List<TaskExample> examples(Image image, int label, SplittableRandom rng) {
    return Collections.singletonList(new TaskExample(label, image));
  }

  @Override
  public ComputationGraph buildModel(NeuralNetConfiguration.Builder base, TrunkConfig trunk, int datasetClasses) {
    return Models.classifier(base, trunk, numOutputs(datasetClasses));
  }
}
